import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "dist-check/", "node_modules/", "test/fixtures/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // These load through src/vendor (one bundled module each in dist: see scripts/bundle-vendor.mjs).
    files: ["src/**/*.ts"],
    ignores: ["src/vendor/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: ["commander", "nunjucks", "smol-toml", "cli-progress", "zod", "zod/mini"].map((name) => ({
            name,
            message: `import ${name} from src/vendor`,
            allowTypeImports: true,
          })),
        },
      ],
    },
  },
);
