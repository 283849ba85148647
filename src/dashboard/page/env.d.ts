// esbuild bundles the CSS a module imports into page.css.
declare module "*.css";
