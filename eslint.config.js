// ESLint flat config: `npx eslint` (run by `make lint`). Lint rules only; the code's formatting
// is left as written. Each file gets the globals of the places it runs in, so a page global
// used in the worker (or a Node one in the page) is reported.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", "static/", "guests/", "reference/"] },
  js.configs.recommended,
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { ecmaVersion: 2024, sourceType: "module" },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrors: "none" }],
      eqeqeq: ["error", "smart"],
      "no-var": "error",
      "prefer-const": "error",
    },
  },
  // the page
  {
    files: ["web/page/*.mjs", "web/index.mjs"],
    languageOptions: { globals: globals.browser },
  },
  // the Web Worker that runs Pyodide
  { files: ["web/runtime/worker.mjs", "web/runtime/store.mjs"], languageOptions: { globals: globals.worker } },
  // shared by the worker and Node (web/node/cli.mjs); they test which one they run in
  {
    files: ["web/runtime/runtime.mjs", "web/runtime/stdin_ring.mjs", "web/runtime/net.mjs"],
    languageOptions: { globals: { ...globals.worker, ...globals.node } },
  },
  // Node: the CLIs, the snapshot maker, build-site and the npm pack step, the Node tests, this file
  {
    files: ["web/node/*.mjs", "web/build/*.mjs", "scripts/*.mjs", "tests/**/*.mjs", "eslint.config.js"],
    languageOptions: { globals: globals.node },
  },
];
