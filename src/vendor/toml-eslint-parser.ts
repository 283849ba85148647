/** toml-eslint-parser, as cohort imports it (bundled into one module by the build: see `scripts/bundle-vendor.mjs`). */
export { parseTOML, ParseError } from "toml-eslint-parser";
export type { AST } from "toml-eslint-parser";
