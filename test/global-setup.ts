import { execFileSync } from "node:child_process";

/** End-to-end tests run bin/cohort, which runs dist/cli-bundle/ and dist/: build them once before the suite, as `npm run build` does. */
export default function setup(): void {
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
  execFileSync(process.execPath, ["scripts/bundle-vendor.mjs"], { stdio: "inherit" });
  execFileSync(process.execPath, ["scripts/bundle-cli.mjs"], { stdio: "inherit" });
}
