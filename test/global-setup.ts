import { execFileSync } from "node:child_process";

/** End-to-end tests run bin/cohort, which runs dist/: build it once before the suite, as `npm run build` does. */
export default function setup(): void {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
}
