/**
 * The Lambda bundles: byte-identical across two builds, one `index.js` per zip with a fixed mtime and no path of the
 * build machine, a handler that loads in a fresh Node process, a target matching the oldest accepted runtime, and
 * cdktf never bundled.
 */
import { unzipSync } from "fflate";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { PROJECT_ROOT } from "../../lib/project-config";
import {
  LAMBDA_BUNDLE_TARGET,
  LAMBDA_RUNTIMES,
  PIPELINE_FUNCTION_NAMES,
  esbuildTargetFor,
} from "../../lib/pipeline/config";
import { MODULE_MAIN_FILE } from "../../lib/synth/package-module";
import { BundleError, bundleLambdas, zipHandler } from "../../lib/synth/bundle-lambdas";

const work = mkdtempSync(join(tmpdir(), "dds-bundles-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function nodeEval(code: string, cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-e", code], {
      cwd,
      env: { PATH: process.env.PATH, AWS_REGION: "us-east-1" },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (c) => resolve({ code: c ?? -1, out }));
  });
}

describe("Lambda bundles", () => {
  it("two builds into two folders are byte-identical", () => {
    const a = bundleLambdas({ outDir: join(work, "a") });
    const b = bundleLambdas({ outDir: join(work, "b") });
    for (const name of PIPELINE_FUNCTION_NAMES) {
      expect(readFileSync(a[name].zipPath).equals(readFileSync(b[name].zipPath)), name).toBe(true);
      expect(a[name].sha256Base64).toBe(b[name].sha256Base64);
    }
  });

  it("each zip holds only index.js, with a fixed timestamp and no path of the build machine, and loads in a fresh Node", async () => {
    const bundles = bundleLambdas({ outDir: join(work, "a") });
    for (const name of PIPELINE_FUNCTION_NAMES) {
      const zip = readFileSync(bundles[name].zipPath);
      const files = unzipSync(zip);
      expect(Object.keys(files)).toEqual(["index.js"]);
      // DOS time 1980-01-01 00:00:00 at offset 10 of the local file header (time 0x0000, date 0x0021).
      expect(zip.readUInt16LE(10)).toBe(0);
      expect(zip.readUInt16LE(12)).toBe(0x21);
      const js = Buffer.from(files["index.js"]!).toString("utf8");
      expect(js).not.toContain(PROJECT_ROOT);
      expect(js).not.toContain("node_modules/cdktf");
      const dir = join(work, "load", name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "index.js"), files["index.js"]!);
      const res = await nodeEval("process.stdout.write(typeof require('./index.js').handler)", dir);
      expect(res, name).toEqual({ code: 0, out: "function" });
    }
  });

  it("zips are deterministic for the same bytes whatever the time zone", () => {
    const js = new TextEncoder().encode("exports.handler = async () => 1;\n");
    const before = Buffer.from(zipHandler(js));
    const tz = process.env.TZ;
    process.env.TZ = "Pacific/Kiritimati";
    try {
      expect(Buffer.from(zipHandler(js)).equals(before)).toBe(true);
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it("targets the oldest runtime lambda_runtime accepts, and the module accepts exactly those runtimes", () => {
    expect(LAMBDA_BUNDLE_TARGET).toBe("node22");
    expect(LAMBDA_BUNDLE_TARGET).toBe(esbuildTargetFor(LAMBDA_RUNTIMES[0]));
    const mod = JSON.parse(readFileSync(join(inject("moduleDir"), MODULE_MAIN_FILE), "utf8")) as {
      variable: Record<string, { default: string; validation: { condition: string }[] }>;
    };
    expect(mod.variable.lambda_runtime?.default).toBe("nodejs22.x");
    expect(mod.variable.lambda_runtime?.validation[0]?.condition).toBe(
      `\${contains(${JSON.stringify([...LAMBDA_RUNTIMES]).replace(/,/g, ", ")}, var.lambda_runtime)}`,
    );
    expect(() => esbuildTargetFor("python3.12" as never)).toThrow(
      'lambda runtime "python3.12" is not a nodejs<N>.x runtime',
    );
  });

  it("refuses to bundle a handler that imports cdktf", () => {
    const root = mkdtempSync(join(PROJECT_ROOT, ".build", "forbidden-"));
    try {
      for (const name of PIPELINE_FUNCTION_NAMES) {
        mkdirSync(join(root, "functions"), { recursive: true });
        writeFileSync(join(root, "functions", `${name}.ts`), 'export { App as handler } from "cdktf";\n');
      }
      let error: unknown;
      try {
        bundleLambdas({ root, outDir: join(root, "out") });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(BundleError);
      expect((error as Error).message).toMatch(
        /^Lambda native-export: the bundle would include .*node_modules\/(cdktf|constructs)\/.+; handlers must not import cdktf, constructs or the provider bindings \(move shared code to lib\/pipeline\/\)$/,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
