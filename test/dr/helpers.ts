/**
 * Test helpers for the DR commands: run a command in-process with captured I/O, a fake `terraform` that records
 * its argv, and catalog tables created directly through the SDK.
 */
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable, Writable } from "node:stream";
import { resetClients } from "../../lib/aws";
import { TableSpec } from "../../lib/catalog";
import { CommandIO, runProgram } from "../../lib/cli/command";
import { COMMANDS } from "../../scripts/commands";

export interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

class Sink extends Writable {
  text = "";
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Pretend stdin is a terminal and answer with this line. @default no terminal */
  readonly answer?: string;
}

/** Runs `dynamo-dr <argv…>` in-process. */
export async function runDr(argv: string[], opts: RunOptions = {}): Promise<Captured> {
  const stdout = new Sink();
  const stderr = new Sink();
  let stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  if (opts.answer === undefined) {
    stdin = Readable.from([]) as NodeJS.ReadableStream & { isTTY?: boolean };
  } else {
    const s = new PassThrough() as PassThrough & { isTTY?: boolean };
    s.isTTY = true;
    s.end(`${opts.answer}\n`);
    stdin = s;
  }
  const io: CommandIO = { stdout, stderr, stdin, env: opts.env ?? process.env, cwd: opts.cwd ?? process.cwd() };
  const code = await runProgram("dynamo-dr", COMMANDS, argv, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Points the shared SDK clients at `endpoint` (the commands take it from the standard AWS_ENDPOINT_URL). */
export function useEndpoint(endpoint: string): void {
  process.env.AWS_ENDPOINT_URL = endpoint;
  resetClients();
}

// ---------------------------------------------------------------------------------------------------------------
// A fake terraform
// ---------------------------------------------------------------------------------------------------------------

/** What the fake terraform answers. Files are read at call time, so a test can change them between runs. */
export interface FakeScenario {
  /** `terraform show -json` without a plan file. */
  state?: unknown;
  /** `terraform state pull`. @default JSON of a small state */
  pulled?: string;
  /** `terraform show -json <plan>` of the preflight plan (-refresh=false) and of the final plan. */
  preflightPlan?: unknown;
  plan?: unknown;
  /** Exit code of the final plan. @default 2 */
  planCode?: number;
  /** stderr and code 1 for the final plan. */
  planError?: string;
  /** stderr and code 1 for `terraform show -json` of the final plan. */
  showPlanError?: string;
  /** A subcommand ("import", "state rm") that fails with this stderr. */
  fail?: { readonly command: string; readonly stderr: string };
}

export interface FakeTerraform {
  /** Folder holding the fake `terraform`; put it first on PATH. */
  readonly binDir: string;
  /** Environment with the fake first on PATH and the log/scenario wired in. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** argv of every call so far, in order. */
  calls(): string[][];
  setScenario(s: FakeScenario): void;
}

const FAKE_SCRIPT = `#!/usr/bin/env node
const fs = require("node:fs");
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_TF_LOG, JSON.stringify(args) + "\\n");
const s = fs.existsSync(process.env.FAKE_TF_SCENARIO) ? JSON.parse(fs.readFileSync(process.env.FAKE_TF_SCENARIO, "utf8")) : {};
const rest = args.filter((a) => !a.startsWith("-chdir="));
const cmd = rest[0] === "state" ? "state " + rest[1] : rest[0];
if (s.fail && s.fail.command === cmd) { process.stderr.write(s.fail.stderr); process.exit(1); }
if (cmd === "state pull") { process.stdout.write(s.pulled ?? '{"version":4,"serial":7,"lineage":"fake"}'); process.exit(0); }
if (cmd === "show") {
  const file = rest.slice(1).find((a) => !a.startsWith("-"));
  if (file === undefined) { process.stdout.write(JSON.stringify(s.state ?? {})); process.exit(0); }
  const kind = fs.readFileSync(file, "utf8");
  if (kind === "final" && s.showPlanError) { process.stderr.write(s.showPlanError); process.exit(1); }
  process.stdout.write(JSON.stringify(kind === "preflight" ? (s.preflightPlan ?? {}) : (s.plan ?? {})));
  process.exit(0);
}
if (cmd === "plan") {
  const out = rest.find((a) => a.startsWith("-out="));
  const preflight = rest.includes("-refresh=false");
  if (!preflight && s.planError) { process.stderr.write(s.planError); process.exit(1); }
  if (out) fs.writeFileSync(out.slice(5), preflight ? "preflight" : "final");
  process.exit(preflight ? 0 : (s.planCode ?? 2));
}
process.stdout.write("ok\\n");
process.exit(0);
`;

export function fakeTerraform(): FakeTerraform {
  const dir = mkdtempSync(join(tmpdir(), "dds-fake-tf-"));
  const binDir = join(dir, "bin");
  const log = join(dir, "calls.log");
  const scenario = join(dir, "scenario.json");
  mkdirSync(binDir);
  writeFileSync(join(binDir, "terraform"), FAKE_SCRIPT);
  chmodSync(join(binDir, "terraform"), 0o755);
  writeFileSync(log, "");
  return {
    binDir,
    env: (extra = {}) => ({
      ...process.env,
      PATH: `${binDir}:${process.env.PATH ?? ""}`,
      FAKE_TF_LOG: log,
      FAKE_TF_SCENARIO: scenario,
      ...extra,
    }),
    calls: () =>
      existsSync(log)
        ? readFileSync(log, "utf8")
            .split("\n")
            .filter((l) => l !== "")
            .map((l) => JSON.parse(l) as string[])
        : [],
    setScenario: (s) => writeFileSync(scenario, JSON.stringify(s)),
  };
}

/** A PATH on which there is no terraform (an empty folder). */
export function pathWithoutTerraform(): string {
  return mkdtempSync(join(tmpdir(), "dds-no-tf-"));
}

// ---------------------------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------------------------

/** Creates `name` with the catalog spec's keys and indexes (on-demand), as the module would. */
export async function createCatalogTable(client: DynamoDBClient, spec: TableSpec, name: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: Object.entries(spec.attributes).map(([AttributeName, AttributeType]) => ({
        AttributeName,
        AttributeType,
      })),
      KeySchema: [
        { AttributeName: spec.hashKey, KeyType: "HASH" },
        ...(spec.rangeKey === undefined ? [] : [{ AttributeName: spec.rangeKey, KeyType: "RANGE" as const }]),
      ],
      GlobalSecondaryIndexes:
        spec.globalSecondaryIndexes === undefined || spec.globalSecondaryIndexes.length === 0
          ? undefined
          : spec.globalSecondaryIndexes.map((g) => ({
              IndexName: g.name,
              KeySchema: [
                { AttributeName: g.hashKey, KeyType: "HASH" as const },
                ...(g.rangeKey === undefined ? [] : [{ AttributeName: g.rangeKey, KeyType: "RANGE" as const }]),
              ],
              Projection: { ProjectionType: g.projectionType ?? "ALL" },
            })),
    }),
  );
}
