/** nunjucks, as cohort imports it (bundled into one module by the build: see `scripts/bundle-vendor.mjs`). */
export { default } from "nunjucks";
