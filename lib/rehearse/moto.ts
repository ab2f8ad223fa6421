/**
 * REHEARSAL ONLY: starts moto_server (a local AWS emulator) on a free loopback port for `dynamo-dr rehearse --target
 * local`, and stops it. It listens on 127.0.0.1 only and is never used against a real account.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { ToolMissingError } from "../errors";
import { startRehearsalProxy, type PitrWindow } from "./proxy";

export const MOTO_BINARY = "moto_server";
const MOTO_START_TIMEOUT_MS = 30_000;
const MOTO_STOP_GRACE_MS = 3_000;
const POLL_MS = 150;

/** A free TCP port on 127.0.0.1. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      if (addr === null || typeof addr === "string") return reject(new Error("no free loopback port"));
      srv.close(() => resolve(addr.port));
    });
  });
}

export interface LocalAws {
  /** `http://127.0.0.1:<port>`: the rehearsal proxy in front of moto (lib/rehearse/proxy.ts). */
  readonly endpoint: string;
  /** Simulates a table's PITR restorable window (DescribeContinuousBackups answers with it). */
  setPitrWindow(table: string, window: PitrWindow): void;
  stop(): Promise<void>;
}

/** Whether moto_server is on PATH. */
export function hasMoto(env: NodeJS.ProcessEnv): boolean {
  return spawnSync("sh", ["-c", `command -v ${MOTO_BINARY}`], { stdio: "ignore", env }).status === 0;
}

async function waitUntilUp(child: ChildProcess, endpoint: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + MOTO_START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited early (${child.exitCode}): ${stderr()}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.status < 500) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`moto_server did not start on ${endpoint} within ${MOTO_START_TIMEOUT_MS / 1000} s: ${stderr()}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Starts moto_server on 127.0.0.1:<free port>, and the rehearsal proxy in front of it. */
export async function startLocalAws(env: NodeJS.ProcessEnv): Promise<LocalAws> {
  if (!hasMoto(env)) {
    throw new ToolMissingError(
      `${MOTO_BINARY} is not installed (not found on PATH); rehearse --target local runs the AWS APIs locally with it. Install it with: pip install 'moto[server]'`,
    );
  }
  const port = await freeLoopbackPort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(MOTO_BINARY, ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...env, AWS_EC2_METADATA_DISABLED: "true" },
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  await waitUntilUp(child, endpoint, () => stderr);
  const stopMoto = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, MOTO_STOP_GRACE_MS))]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  const started = await startRehearsalProxy(endpoint).catch(async (err: unknown) => {
    await stopMoto();
    throw err;
  });
  return {
    endpoint: started.endpoint,
    setPitrWindow: (table, w) => started.setPitrWindow(table, w),
    async stop() {
      await started.stop();
      await stopMoto();
    },
  };
}

/** Environment that points every AWS SDK, CLI and terraform at the local endpoint with fake credentials. */
export function localAwsEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_SESSION_TOKEN: "testing",
    AWS_REGION: "us-east-1",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_MAX_ATTEMPTS: "3",
    TF_VAR_aws_endpoint: endpoint,
  };
}
