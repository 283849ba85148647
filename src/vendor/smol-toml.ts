/** smol-toml, as cohort imports it (bundled into one module by the build: see `scripts/bundle-vendor.mjs`). */
export { parse, TomlError } from "smol-toml";
