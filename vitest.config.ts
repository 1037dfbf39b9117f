import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    reporters: ["default", "./test/harness/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          // Every project needs a group: projects without one run in parallel with all groups,
          // and the timing project would share the CPU with the integration tests.
          sequence: { groupOrder: 0 },
          include: [
            "packages/*/src/**/*.test.ts",
            "services/*/src/**/*.test.ts",
            "bench/**/*.test.ts",
            // Real text through the ingest's translation: reads shared/data, needs no server.
            "test/real-text/**/*.test.ts",
          ],
          exclude: [...configDefaults.exclude, "**/*.timing.test.ts"],
        },
      },
      {
        // Tests that compare timings (t(2n) / t(n)): alone, one file at a time, after the other
        // projects, so a neighbour's load is not read as super-linear growth.
        test: {
          name: "timing",
          include: ["packages/*/src/**/*.timing.test.ts", "services/*/src/**/*.timing.test.ts"],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Pure but slow (minutes per seeded scenario): no servers, so they start at once rather
        // than after the integration setup has started Kafka and ClickHouse.
        test: {
          name: "slow",
          sequence: { groupOrder: 0 },
          include: ["test/detection/**/*.test.ts"],
          fileParallelism: false,
          testTimeout: 900_000,
        },
      },
      {
        test: {
          name: "integration",
          sequence: { groupOrder: 0 },
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "test/real-text/**", "test/detection/**"],
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
