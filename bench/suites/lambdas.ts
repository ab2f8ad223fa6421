/**
 * The pipeline's Lambda bundles: zip size and cold module-load time of each (a fresh Node process per load, timing the
 * `require` of index.js as Lambda's runtime does at init), against the targets (≤ 1 MB, ≤ 150 ms) and, measured in the
 * same run, two baselines: an empty handler (Node's floor) and requiring the AWS SDK v3 clients unbundled from
 * node_modules (what the functions would load without esbuild's tree shaking).
 */
import { unzipSync } from "fflate";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CAPTURE_FUNCTION_NAMES } from "../../lib/capture/config";
import { PIPELINE_FUNCTION_NAMES } from "../../lib/pipeline/config";
import { PROJECT_ROOT } from "../../lib/project-config";
import { bundleLambdas } from "../../lib/synth/bundle-lambdas";
import type { BenchOptions, BenchSuite, SuiteResult } from "../lib/types";

export const ZIP_TARGET_BYTES = 1024 * 1024;
export const LOAD_TARGET_MS = 150;
/** Cold loads per bundle (each in a new process); the median is reported. */
const MIN_LOADS = 7;

/** Time (ms) a fresh Node process takes to `require` a file, measured inside the process. */
export function coldLoad(file: string, cwd: string): Promise<number> {
  const code = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", code], {
      cwd,
      env: { PATH: process.env.PATH, AWS_REGION: "us-east-1", AWS_EC2_METADATA_DISABLED: "true" },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (c) => (c === 0 ? resolve(Number(out)) : reject(new Error(`load of ${file} failed: ${err}`))));
  });
}

export async function median(file: string, cwd: string, runs: number): Promise<{ median: number; max: number }> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await coldLoad(file, cwd));
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)] ?? 0, max: times[times.length - 1] ?? 0 };
}

const ms = (n: number): string => n.toFixed(1);

export const lambdasSuite: BenchSuite = {
  name: "lambdas",
  description: "export pipeline and change-capture Lambda bundles: zip size and cold module-load time",
  async run(opts: BenchOptions): Promise<SuiteResult> {
    const runs = Math.max(MIN_LOADS, opts.repeat);
    const dir = join(opts.workDir, "lambdas");
    const bundles = bundleLambdas({ outDir: join(dir, "zips") });

    const emptyDir = join(dir, "empty");
    mkdirSync(emptyDir, { recursive: true });
    writeFileSync(join(emptyDir, "index.js"), "exports.handler = async () => ({});\n");
    opts.log(`lambdas: baseline loads (${runs} each)`);
    const empty = await median("./index.js", emptyDir, runs);
    const sdkFile = join(dir, "unbundled-sdk.js");
    writeFileSync(
      sdkFile,
      ["client-dynamodb", "client-s3", "client-sns"]
        .map((c) => `require(${JSON.stringify(join(PROJECT_ROOT, "node_modules", "@aws-sdk", c))});`)
        .join("\n"),
    );
    const unbundled = await median(sdkFile, PROJECT_ROOT, runs);

    const rows: (string | number)[][] = [];
    const data: Record<string, unknown> = { runs, emptyHandler: empty, unbundledSdk: unbundled, functions: {} };
    for (const name of [...PIPELINE_FUNCTION_NAMES, ...CAPTURE_FUNCTION_NAMES]) {
      const b = bundles[name];
      const fnDir = join(dir, "load", name);
      mkdirSync(fnDir, { recursive: true });
      writeFileSync(join(fnDir, "index.js"), unzipSync(readFileSync(b.zipPath))["index.js"] as Uint8Array);
      opts.log(`lambdas: ${name}`);
      const load = await median("./index.js", fnDir, runs);
      (data.functions as Record<string, unknown>)[name] = { zipBytes: b.zipBytes, jsBytes: b.jsBytes, load };
      rows.push([
        name,
        (b.zipBytes / 1024).toFixed(1),
        (b.zipBytes / ZIP_TARGET_BYTES).toFixed(2),
        ms(load.median),
        ms(load.max),
        (load.median / LOAD_TARGET_MS).toFixed(2),
        (load.median / unbundled.median).toFixed(2),
        b.zipBytes <= ZIP_TARGET_BYTES && load.median <= LOAD_TARGET_MS ? "yes" : "NO",
      ]);
    }
    return {
      suite: "lambdas",
      data,
      tables: [
        {
          title: `Lambda bundles: zip size and cold module load (median of ${runs} fresh processes)`,
          columns: [
            "function",
            "zip KiB",
            "zip / 1 MiB target",
            "load ms (median)",
            "load ms (max)",
            "load / 150 ms target",
            "load / unbundled SDK",
            "within targets",
          ],
          rows,
          notes: [
            `baseline, empty handler: ${ms(empty.median)} ms (Node's floor for a require in a fresh process)`,
            `baseline, AWS SDK v3 DynamoDB + S3 + SNS clients required unbundled from node_modules: ${ms(unbundled.median)} ms`,
            `Node ${process.version}; Lambda's init adds its own runtime start-up, not measured here`,
          ],
        },
      ],
    };
  },
};
