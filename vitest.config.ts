import { basename } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { defineConfig } from "vitest/config";

/**
 * Which files start first: those that drive the most processes and waits (an end-to-end rehearsal, terraform, moto)
 * take minutes each, and the run ends when the last of them does, so they go first, in that order; vitest's own order
 * (its recorded durations, else larger files first) decides within each group. Without this a fresh clone (no recorded
 * durations) started the 11-minute rehearsal twelve minutes in.
 */
const HEAVY_FIRST = [/\.e2e\./, /terraform/, /moto/]; // matched against the file's name, not its folders

class HeavyFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const weight = (f: TestSpecification): number => {
      const i = HEAVY_FIRST.findIndex((re) => re.test(basename(f.moduleId)));
      return i === -1 ? HEAVY_FIRST.length : i;
    };
    const sorted = await super.sort(files);
    return sorted
      .map((f, i) => ({ f, i }))
      .sort((a, b) => weight(a.f) - weight(b.f) || a.i - b.i)
      .map(({ f }) => f);
  }
}

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
    sequence: { sequencer: HeavyFirstSequencer },
  },
});
