/** Which paths the dashboard serves (files.ts), how it reads its cookie and which Host headers it takes (auth.ts): properties over many inputs. */
import fc from "fast-check";
import fs from "node:fs";
import type http from "node:http";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cookieToken, knownHost, newGate, sameOrigin } from "../../src/dashboard/auth.js";
import { projectFile } from "../../src/dashboard/files.js";
import { tempDir } from "../helpers.js";

describe("projectFile", () => {
  const top = tempDir();
  const root = path.join(top, "project");
  fs.mkdirSync(path.join(root, "a", "b"), { recursive: true });
  fs.writeFileSync(path.join(root, "a", "b", "f.txt"), "in\n");
  fs.writeFileSync(path.join(top, "secret.txt"), "out\n");
  fs.symlinkSync(top, path.join(root, "a", "up"));
  fs.symlinkSync(path.join(root, "a", "b"), path.join(root, "inside"));
  const real = fs.realpathSync(root);

  it("never gives a path outside the project, whatever the segments", () => {
    const segment = fc.constantFrom("..", ".", "", "a", "b", "f.txt", "up", "inside", "secret.txt", "project", "%2e%2e", "..%2f", "a\\..\\..", "\0");
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 8 }), fc.constantFrom("/", "\\"), (parts, sep) => {
        let file: string;
        try {
          file = projectFile(root, parts.join(sep));
        } catch {
          return;
        }
        expect(file === real || file.startsWith(real + path.sep)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("gives the files inside, through symlinks that stay inside", () => {
    expect(fs.readFileSync(projectFile(root, "a/b/f.txt"), "utf8")).toBe("in\n");
    expect(fs.readFileSync(projectFile(root, "inside/f.txt"), "utf8")).toBe("in\n");
    expect(() => projectFile(root, "a/up/secret.txt")).toThrow(/leads out of the project/);
    expect(() => projectFile(root, "a/../../secret.txt")).toThrow(/not a path inside the project/);
  });
});

describe("the cookie and the origin", () => {
  const gate = newGate(8765, "t".repeat(48));
  const req = (headers: http.IncomingHttpHeaders) => ({ headers }) as http.IncomingMessage;

  it("finds the dashboard's cookie among any others, and only its own", () => {
    const name = fc.stringMatching(/^[a-z_0-9]{1,12}$/);
    const value = fc.stringMatching(/^[a-z0-9]{0,12}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 6 }), fc.option(value, { nil: undefined }), fc.nat(6), (others, mine, at) => {
        const pairs = others.filter(([n]) => n !== gate.cookie).map(([n, v]) => `${n}=${v}`);
        if (mine !== undefined) pairs.splice(Math.min(at, pairs.length), 0, `${gate.cookie}=${mine}`);
        expect(cookieToken(gate, req({ cookie: pairs.join("; ") }))).toBe(mine);
      }),
    );
    expect(cookieToken(gate, req({ cookie: `x${gate.cookie}=1; ${gate.cookie}x=2` }))).toBeUndefined();
  });

  it("knows the Host a request names only when it is this server's: loopback, the --host given, any address when listening on all", () => {
    const named = (host: string | undefined, listen: string) => knownHost(req(host === undefined ? {} : { host }), listen);
    for (const host of ["127.0.0.1:8765", "localhost:8765", "LOCALHOST:9000", "[::1]:8765", "127.0.0.1"]) expect(named(host, "127.0.0.1"), host).toBe(true);
    for (const host of ["evil.example:8765", "evil.example", "127.0.0.1.evil.example:8765", "localhost.:8765", "10.1.2.3:8765", "127.0.0.1:8765:1", "127.0.0.1:x", "[::1", "", undefined]) expect(named(host, "127.0.0.1"), host).toBe(false);
    expect(named("node12.cluster:8765", "node12.cluster")).toBe(true);
    expect(named("[fe80::1]:8765", "fe80::1")).toBe(true);
    expect(named("10.1.2.3:8765", "0.0.0.0")).toBe(true);
    expect(named("[2001:db8::1]:8765", "::")).toBe(true);
    expect(named("evil.example:8765", "0.0.0.0")).toBe(false);
  });

  it("takes a request as same-origin only when Origin names the host it was sent to", () => {
    expect(sameOrigin(req({ host: "127.0.0.1:8765", origin: "http://127.0.0.1:8765" }))).toBe(true);
    expect(sameOrigin(req({ host: "127.0.0.1:8765", origin: "http://127.0.0.1:8765", "sec-fetch-site": "same-origin" }))).toBe(true);
    expect(sameOrigin(req({ host: "127.0.0.1:8765", origin: "http://127.0.0.1:8766" }))).toBe(false);
    expect(sameOrigin(req({ host: "127.0.0.1:8765", origin: "http://127.0.0.1:8765", "sec-fetch-site": "cross-site" }))).toBe(false);
    expect(sameOrigin(req({ host: "127.0.0.1:8765" }))).toBe(false);
    expect(sameOrigin(req({ origin: "http://127.0.0.1:8765" }))).toBe(false);
  });
});
