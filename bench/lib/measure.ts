/**
 * Runs one measurement (bench/worker.ts) in a child process against a server, and returns what it printed.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

export interface Measurement {
  readonly mode: string;
  readonly items: number;
  readonly seconds: number;
  readonly itemsPerSecond: number;
  readonly peakRssMb: number;
  /** V8 full (mark-compact) GCs during the run. */
  readonly fullGcs?: number;
  /**
   * The most heap in use right after one of V8's own full GCs (MB): the run's working set. Flat across table sizes
   * means nothing is kept per item, whatever peak RSS does (it also holds the garbage V8 lets pile up between GCs).
   * Undefined when no full GC happened.
   */
  readonly heapAfterFullGcMb?: number;
}

const WORKER = join(__dirname, "..", "worker.ts");

/** Loopback endpoint and fake credentials only: the benchmark never talks to AWS. */
export function benchEnv(endpoint: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("AWS_")) delete env[k];
  return {
    ...env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench",
    AWS_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_MAX_ATTEMPTS: "5",
  };
}

export function measure(endpoint: string, mode: string, args: Record<string, unknown>): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", WORKER, mode, JSON.stringify(args)], {
      env: benchEnv(endpoint),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on("error", reject);
    child.on("exit", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code !== 0 || !line.startsWith("{")) {
        reject(new Error(`bench worker ${mode} failed (${code}): ${err}`));
        return;
      }
      resolve(JSON.parse(line) as Measurement);
    });
  });
}
