import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    reporters: ["default", "./test/harness/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "packages/*/src/**/*.test.ts",
            "services/*/src/**/*.test.ts",
            "bench/**/*.test.ts",
            // Real text through the ingest's translation: reads shared/data, needs no server.
            "test/real-text/**/*.test.ts",
          ],
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: ["test/real-text/**"],
          globalSetup: ["test/harness/global-setup.ts"],
          // One broker and one server on 2 cores: files run one at a time.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
