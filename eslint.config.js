// ESLint runs one job here: no regular expression in packages/ or services/ may backtrack
// super-linearly (issue 12: one line of 45 "#" stalled the ingest for hours). Biome does the
// rest of the linting. Patterns assembled at run time from strings are beyond a static
// check; services/ingest/src/regex-safety.timing.test.ts checks those with recheck.
import tsParser from "@typescript-eslint/parser";
import regexp from "eslint-plugin-regexp";

export default [
  {
    files: ["packages/*/src/**/*.ts", "services/*/src/**/*.ts"],
    // Tests may hold slow patterns on purpose; src/testing/ keeps the pre-issue-12 template
    // expressions as the oracle their replacement is compared against.
    ignores: ["**/*.test.ts", "packages/*/src/testing/**"],
    languageOptions: { parser: tsParser },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    plugins: { regexp },
    rules: {
      "regexp/no-super-linear-backtracking": "error",
      "regexp/no-super-linear-move": "error",
    },
  },
];
