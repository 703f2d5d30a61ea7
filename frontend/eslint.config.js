// ESLint (flat config) over src/: typescript-eslint's type-checked rules and React's hooks rules.
// typescript-eslint runs on the `typescript` package (5.9, its supported range); `npm run typecheck`
// uses TypeScript 7 (`typescript-native`). See README.md.
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "src/api/schema.d.ts"] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  reactHooks.configs.flat.recommended,
  {
    files: ["src/**/*.{ts,tsx}"],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // The same convention as tsc's noUnusedParameters: a leading _ marks a deliberately unused name.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      // Off: it only reports that the React Compiler would skip a component (useVirtualizer); the
      // build does not use the compiler.
      "react-hooks/incompatible-library": "off",
    },
  },
  {
    // TODO(i18n owner): I18nProvider writes the module-level language for tNow() during render;
    // move `currentLang = lang` into its effect, then drop this override.
    files: ["src/i18n/i18n.tsx"],
    rules: { "react-hooks/globals": "off" },
  },
);
