/**
 * Runs moto_server on a free loopback port for one test file.
 */
import { spawn, ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { startMotoShim } from "./moto-shim";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      if (addr === null || typeof addr === "string") return reject(new Error("no port"));
      srv.close(() => resolve(addr.port));
    });
  });
}

export interface Moto {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
  /** Environment for child processes (terraform, the aws CLI, our CLI) that points every AWS client at moto. */
  env(): NodeJS.ProcessEnv;
}

export interface StartMotoOptions {
  /**
   * Put the loopback shim (test/support/moto-shim.ts) in front of moto, answering the calls moto 5.2.1 lacks and
   * Terraform needs for the module's state machines and backup selection. `endpoint`/`port` are then the shim's.
   * @default true
   */
  readonly shim?: boolean;
}

export async function startMoto(options: StartMotoOptions = {}): Promise<Moto> {
  const motoPort = await freePort();
  const motoEndpoint = `http://127.0.0.1:${motoPort}`;
  const child: ChildProcess = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(motoPort)], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: "true" },
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited early (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(`${motoEndpoint}/moto-api/`);
      if (res.ok || res.status < 500) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`moto_server did not start on ${motoEndpoint} within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  const shim = options.shim === false ? undefined : await startMotoShim(motoEndpoint);
  const endpoint = shim?.endpoint ?? motoEndpoint;
  const port = shim?.port ?? motoPort;
  return {
    endpoint,
    port,
    async stop() {
      await shim?.stop();
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
    env() {
      return {
        ...process.env,
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: "testing",
        AWS_SECRET_ACCESS_KEY: "testing",
        AWS_REGION: "us-east-1",
        AWS_DEFAULT_REGION: "us-east-1",
        AWS_EC2_METADATA_DISABLED: "true",
      };
    },
  };
}
