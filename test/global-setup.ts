import { execFileSync } from "node:child_process";

/** End-to-end tests run bin/cohort, which runs dist/: build it once before the suite. */
export default function setup(): void {
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
}
