import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // terraform and moto tests spawn processes and wait on them (the AWS provider sleeps ~45 s after creating an S3
    // lifecycle configuration): a third fork fills those waits; more would only contend for the 2 cores.
    pool: "forks",
    poolOptions: { forks: { maxForks: 3, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 180_000,
    globalSetup: ["test/support/global-setup.ts"],
    setupFiles: ["test/support/safety.ts"],
  },
});
