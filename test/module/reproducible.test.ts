/**
 * Two synths into two folders produce byte-identical module folders (assets included), and the README's
 * generated tables match the module.
 */
import { readdirSync, readFileSync, statSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { synth } from "../../main";
import { README_PATH, expectedReadme } from "../../tools/update-readme";

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? listFiles(p) : [p];
    })
    .sort();
}

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map((f) => [relative(dir, f), readFileSync(f).toString("base64")]));
}

describe("reproducible synthesis", () => {
  it("two synths into two folders are byte-identical, and equal the suite's synth", () => {
    const a = mkdtempSync(join(tmpdir(), "dds-repro-a-"));
    const b = mkdtempSync(join(tmpdir(), "dds-repro-b-"));
    const first = synth({ ...process.env, CDKTF_OUTDIR: join(a, "out"), DDB_MODULE_OUT_DIR: join(a, "module") });
    const second = synth({ ...process.env, CDKTF_OUTDIR: join(b, "out"), DDB_MODULE_OUT_DIR: join(b, "module") });
    const snapA = snapshot(first.moduleDir);
    expect(Object.keys(snapA)).toContain("main.tf.json");
    expect(snapshot(second.moduleDir)).toEqual(snapA);
    expect(snapshot(inject("moduleDir"))).toEqual(snapA);
  });
});

describe("README", () => {
  it("matches the module's inputs, outputs and tables (run `npm run docs` to update)", () => {
    const current = readFileSync(README_PATH, "utf8");
    expect(current).toBe(expectedReadme(current));
  });
});
