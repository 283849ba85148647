/**
 * zod, as cohort imports it. The build (`scripts/bundle-vendor.mjs`) replaces `dist/vendor/zod.js` with
 * zod bundled into one module by esbuild: loading zod's own modules (about 95) took about 100 ms on
 * every command that reads `cohort.toml`, the one module about 45. From source (the tests), this file
 * is used as it is.
 */
export { z } from "zod";
