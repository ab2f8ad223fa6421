// Lint rules for the whole project. The important house rules are enforced here:
// - deep imports only from @cdktf/provider-aws (the barrel costs ~10 s and ~600 MB per synth);
// - `??` for defaults, never `||`;
// - functions fit on a screen: at most 60 lines in lib/ and scripts/ (blank lines and comments not counted).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/**", "cdktf.out/**", "dist/**", ".build/**", "**/.terraform/**", "bench/results/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@cdktf/provider-aws",
              message:
                "Import the resource module directly, e.g. '@cdktf/provider-aws/lib/dynamodb-table': the barrel costs ~10 s and ~600 MB per synth.",
            },
          ],
        },
      ],
      "@typescript-eslint/prefer-nullish-coalescing": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["lib/**/*.ts", "scripts/**/*.ts", "modules/**/*.ts", "functions/**/*.ts", "tools/**/*.ts"],
    rules: {
      "max-lines-per-function": ["error", { max: 60, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
);
