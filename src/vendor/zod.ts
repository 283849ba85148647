/**
 * zod, as cohort imports it: the functions of `zod/mini` that cohort uses, by name. The build
 * (`scripts/bundle-vendor.mjs`) bundles this module with esbuild, which keeps only those functions:
 * zod's own modules (about 95) took about 100 ms to load on every command that reads `cohort.toml`,
 * the whole of zod in one module about 40 ms, the functions named here a few. From source (the
 * tests), this file is used as it is.
 */
export { array, custom, lazy, literal, looseObject, minLength, optional, record, string, superRefine, union, unknown } from "zod/mini";
export type { output, ZodMiniType } from "zod/mini";
