import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { packageFile } from "../../src/util/package-file.js";
import { COHORT, ROOT } from "../helpers.js";

describe("packageFile", () => {
  it("names a file of cohort's package by its path from the package's root", () => {
    expect(packageFile("bin/cohort")).toBe(COHORT);
    expect(packageFile("templates/")).toBe(path.join(ROOT, "templates") + path.sep);
    expect(fs.existsSync(packageFile("templates/cohort"))).toBe(true);
  });
});
