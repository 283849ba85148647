/** commander, as cohort imports it (bundled into one module by the build: see `scripts/bundle-vendor.mjs`). */
export { Command, CommanderError } from "commander";
