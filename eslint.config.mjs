// Flat config: typescript-eslint's type-aware rules over js/, formatting left to prettier.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
  { ignores: ["node_modules/**", "src/**", "tests/**"] },
  {
    files: ["js/**/*.ts"],
    extends: [js.configs.recommended, tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Numbers in template literals are fine for labels such as "Run 12".
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      // innerHTML and friends would let user strings become markup.
      "no-restricted-properties": [
        "error",
        { property: "innerHTML", message: "Use textContent: user strings must stay text." },
        { property: "outerHTML", message: "Use textContent: user strings must stay text." },
        { property: "insertAdjacentHTML", message: "Build nodes with el() instead." },
      ],
    },
  },
);
