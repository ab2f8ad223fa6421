import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // terraform and moto tests spawn processes; keep them from starving each other on 2 cores.
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 180_000,
    globalSetup: ["test/support/global-setup.ts"],
    setupFiles: ["test/support/safety.ts"],
  },
});
