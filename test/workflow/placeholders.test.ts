import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { initProject } from "../../src/dataspace/project.js";
import { Float, type JsonObject } from "../../src/dataspace/value.js";
import { expandCommand, formatValue, shellQuote } from "../../src/workflow/placeholders.js";
import { parseCommandTemplate } from "../../src/workflow/command-template.js";
import { UserError } from "../../src/util/errors.js";
import { tempDir } from "../helpers.js";

/** What `sh -c COMMAND` prints. */
function sh(command: string): string {
  const r = spawnSync("/bin/sh", ["-c", command], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout;
}

function project() {
  return initProject(tempDir());
}

const nasty = {
  quote: "it's \"quoted\"",
  space: "a  b\tc",
  subst: "$(echo pwned) ${HOME} $HOME",
  backtick: "`echo pwned`",
  newline: "line 1\nline 2\n",
  glob: "*",
  semi: "; rm -rf / #",
  backslash: "back\\slash \\n",
  empty: "",
  unicode: "é ü 漢字 🎉",
  dash: "-n",
};

describe("expandCommand", () => {
  it("passes nasty state-point values through sh exactly", () => {
    const p = project();
    const job = p.openJob(nasty);
    job.init();
    const keys = Object.keys(nasty) as (keyof typeof nasty)[];
    const cmd = expandCommand(`printf '%s\\n' ${keys.map((k) => `{sp.${k}}`).join(" ")}`, { jobs: [job], projectRoot: p.root });
    expect(sh(cmd)).toBe(keys.map((k) => nasty[k] + "\n").join(""));
  });

  it("passes nasty flags and document values through sh exactly", () => {
    const p = project();
    const job = p.openJob({ a: 1 });
    job.doc.update({ nested: { value: nasty.subst + nasty.quote } });
    const flags: JsonObject = { s: nasty.newline + nasty.backtick, g: nasty.glob };
    expect(sh(expandCommand("printf '%s|' {flags.s} {flags.g}", { jobs: [], projectRoot: p.root, flags }))).toBe(
      `${flags.s}|${flags.g}|`,
    );
    expect(sh(expandCommand("printf '%s|' {doc.nested.value}", { jobs: [job], projectRoot: p.root }))).toBe(
      nasty.subst + nasty.quote + "|",
    );
  });

  it("substitutes job, project and nested keys", () => {
    const p = project();
    const job = p.openJob({ T: new Float(1), N: 100, opts: { eps: 1e-5, on: true } });
    const ctx = { jobs: [job], projectRoot: p.root };
    expect(expandCommand("run {job.id} {job} {sp.T} {sp.N} {sp.opts.eps} {sp.opts.on}", ctx)).toBe(
      `run ${job.id} ${job.id} 1.0 100 1e-05 True`,
    );
    expect(expandCommand("cd {job.path} && ls {project.path}", ctx)).toBe(`cd ${shellQuote(job.path)} && ls ${shellQuote(p.root)}`);
    expect(sh(expandCommand("printf %s {job.path}", ctx))).toBe(job.path);
    expect(expandCommand("echo {sp.opts}", ctx)).toBe(`echo '{"eps": 1e-05, "on": true}'`);
    expect(sh(expandCommand("printf %s {sp}", ctx))).toBe('{"T": 1.0, "N": 100, "opts": {"eps": 1e-05, "on": true}}');
  });

  it("expands an aggregate to the values of all its jobs", () => {
    const p = project();
    const jobs = [p.openJob({ T: 1, name: "x y" }), p.openJob({ T: 2, name: "z" })];
    const ctx = { jobs, projectRoot: p.root };
    expect(expandCommand("analyze {job.id} -- {sp.T}", ctx)).toBe(`analyze ${jobs[0].id} ${jobs[1].id} -- 1 2`);
    expect(sh(expandCommand("printf '%s\\n' {sp.name} {job.path}", ctx))).toBe(`x y\nz\n${jobs[0].path}\n${jobs[1].path}\n`);
  });

  it("keeps literal and shell braces", () => {
    const p = project();
    const job = p.openJob({ T: 3 });
    const ctx = { jobs: [job], projectRoot: p.root };
    expect(expandCommand("echo {{sp.T}} {{}} }} {sp.T}", ctx)).toBe("echo {sp.T} {} } 3");
    expect(expandCommand("awk '{print $1}' f && echo ${HOME} ${X:-y} {a,b} { true; }", ctx)).toBe(
      "awk '{print $1}' f && echo ${HOME} ${X:-y} {a,b} { true; }",
    );
    expect(sh(expandCommand("echo {sp.T} | awk '{print $1 * 2}'", ctx))).toBe("6\n");
    // a brace passed through is closed by a brace passed through, never by half of a }}
    expect(expandCommand(`echo '{"x": {"y": 1}}' {sp.T}`, ctx)).toBe(`echo '{"x": {"y": 1}}' 3`);
    expect(expandCommand(`echo '{{"x": {{"y": 1}}}}'`, ctx)).toBe(`echo '{"x": {"y": 1}}'`);
    expect(expandCommand("awk 'BEGIN {{ print }}' && f() { g; }", ctx)).toBe("awk 'BEGIN { print }' && f() { g; }");
  });

  it("passes JSON objects through as they are, however nested (property)", () => {
    const key = fc.string({ unit: fc.constantFrom("a", "b", "1", " ", ":"), maxLength: 4 });
    const value = fc.letrec<{ v: unknown }>((tie) => ({
      v: fc.oneof({ depthSize: "small" }, fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie("v"), { maxLength: 3 }), fc.dictionary(key, tie("v"), { maxKeys: 3 })),
    })).v;
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 4 }), (obj) => {
        const text = `echo '${JSON.stringify(obj)}'`;
        expect(parseCommandTemplate(text)).toEqual([text]);
      }),
    );
  });

  it("formats values as Python's str", () => {
    expect(formatValue("s")).toBe("s");
    expect(formatValue(1)).toBe("1");
    expect(formatValue(new Float(1))).toBe("1.0");
    expect(formatValue(0.1)).toBe("0.1");
    expect(formatValue(1e-5)).toBe("1e-05");
    expect(formatValue(1e16)).toBe("1e+16");
    expect(formatValue(-0)).toBe("-0.0");
    expect(formatValue(12345678901234567890n)).toBe("12345678901234567890");
    expect(formatValue(true)).toBe("True");
    expect(formatValue(false)).toBe("False");
    expect(formatValue(null)).toBe("None");
    expect(formatValue(Infinity)).toBe("inf");
    expect(formatValue([1, new Float(2), "a"])).toBe('[1, 2.0, "a"]');
    expect(formatValue({ a: null })).toBe('{"a": null}');
  });

  it("refuses unknown placeholders and missing keys, naming them", () => {
    const p = project();
    const job = p.openJob({ T: 1 });
    const ctx = { jobs: [job], projectRoot: p.root, source: "operation sim (cohort.toml:3)" };
    const bad: [string, RegExp][] = [
      ["echo {foo}", /unknown placeholder \{foo\}.*operation sim \(cohort\.toml:3\)/],
      ["echo {sp_T}", /unknown placeholder \{sp_T\}/],
      ["echo {job.name}", /unknown placeholder \{job\.name\}/],
      ["echo {project}", /unknown placeholder \{project\}/],
      ["echo {sp.U}", /\{sp\.U\}.*has no state-point key U/],
      ["echo {sp.T.x}", /\{sp\.T\.x\}.*has no state-point key T\.x/],
      ["echo {doc.x}", /\{doc\.x\}.*document of job .* has no key x/],
      ["echo {flags.lr}", /\{flags\.lr\}.*has no flags/],
      ["echo {sp..T}", /bad placeholder \{sp\.\.T\}/],
      ["echo {sp.T", /unclosed placeholder \{sp\.T/],
      ["echo ${sp.T}", /placeholder \$\{sp\.T\}/],
    ];
    for (const [template, message] of bad) {
      expect(() => expandCommand(template, ctx), template).toThrow(UserError);
      expect(() => expandCommand(template, ctx), template).toThrow(message);
    }
    expect(() => expandCommand("echo {flags.x}", { ...ctx, flags: { lr: 1 } })).toThrow(/there is no flag x/);
    expect(() => expandCommand("echo {job.id}", { jobs: [], projectRoot: p.root })).toThrow(/without a job/);
    expect(() => expandCommand("echo {sp.s}", { jobs: [p.openJob({ s: "a\0b" })], projectRoot: p.root })).toThrow(/NUL/);
  });

  it("parses templates without values, so loaders can check them early", () => {
    expect(parseCommandTemplate("a {sp.T} b {{x}}")).toEqual(["a ", { root: "sp", path: ["T"], text: "{sp.T}" }, " b {x}"]);
    expect(() => parseCommandTemplate("echo {nope}", "operation x")).toThrow(/unknown placeholder \{nope\}.*operation x/);
  });
});

describe("shellQuote", () => {
  it("leaves safe words bare and quotes the rest", () => {
    expect(shellQuote("abc-1.0_x/y:z=w+v@%^,")).toBe("abc-1.0_x/y:z=w+v@%^,");
    expect(shellQuote("")).toBe("''");
    expect(shellQuote("a b")).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote("~")).toBe("'~'");
  });

  it("makes sh see every string exactly", () => {
    const special = fc.constantFrom(..."'\"$`\\ \n\t*?[]{}()|&;<>~#!%=^-:,.\r");
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 30 }),
      fc.string({ unit: special, maxLength: 30 }),
      fc.string({ unit: fc.oneof(special, fc.constantFrom("a", "b", "1", "é", "🎉")), maxLength: 30 }),
    );
    fc.assert(
      fc.property(
        text.filter((s) => !s.includes("\0")),
        (s) => {
          const r = spawnSync("/bin/sh", ["-c", "printf %s " + shellQuote(s)]);
          expect(r.status).toBe(0);
          expect(r.stdout.toString("utf8")).toBe(s);
        },
      ),
      { numRuns: 100 },
    );
  });
});
