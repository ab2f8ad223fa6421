/**
 * A backup with far more segments than items (a bounded pool, a checkpoint that stays small, the same items backed up)
 * and a backup interrupted by Ctrl-C (exit 130, the exact --resume command printed, and that command finishes it).
 * dynalite on loopback; the Ctrl-C case runs the real CLI in a child process.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoClient } from "../../lib/aws";
import { parseLocation } from "../../lib/export-format";
import { addDone, backupTable, type BackupCheckpoint } from "../../lib/table-io/backup";
import { startDynalite, type DynamoServer } from "../support/dynamo-local";
import { client, createTable, dr, makeItems, seed, simpleTable, snapshot, useEndpoint } from "./helpers";

const REPO = resolve(__dirname, "../..");
const TSX_LOADER = pathToFileURL(join(REPO, "node_modules/tsx/dist/loader.mjs")).href;

let server: DynamoServer;
let ddb: DynamoDBClient;
let dir: string;

beforeAll(async () => {
  server = await startDynalite();
  useEndpoint(server.endpoint);
  ddb = client(server.endpoint);
  dir = mkdtempSync(join(tmpdir(), "many-segments-"));
  await createTable(ddb, simpleTable("few-items"));
  await seed(ddb, "few-items", makeItems(100));
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("far more segments than items", () => {
  it("runs from a bounded pool with a small checkpoint, notes the mismatch, and backs up every item", async () => {
    const sizes: number[] = [];
    const notes: string[] = [];
    const out = join(dir, "many");
    const result = await backupTable({
      client: dynamoClient(),
      tableName: "few-items",
      out: parseLocation(out),
      segments: 3000,
      onNote: (m) => notes.push(m),
      onCheckpoint: (cp) => {
        sizes.push(JSON.stringify(cp).length);
      },
    });
    expect(result.itemCount).toBe(100);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain("3,000 segments for a table of about");
    // One entry per segment would be ≥ 3,000 × 30 bytes; finished segments are ranges, so it stays small.
    expect(Math.max(...sizes)).toBeLessThan(40_000);
    const r = await dr(["restore-files", out, "--table", "few-items-copy", "--create-table", "--quiet"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(await snapshot(ddb, "few-items-copy")).toEqual(await snapshot(ddb, "few-items"));
  });

  it("keeps finished segments as merged ranges", () => {
    const ranges: [number, number][] = [];
    for (const s of [3, 0, 1, 5, 2, 4, 4, 9]) addDone(ranges, s);
    expect(ranges).toEqual([
      [0, 6],
      [9, 10],
    ]);
    const cp: Pick<BackupCheckpoint, "done"> = { done: ranges };
    expect(cp.done.length).toBe(2);
  });
});

describe("a checkpoint written by the previous version (one entry per segment)", () => {
  it("is still resumed", async () => {
    const out = join(dir, "v1");
    const crash = backupTable({
      client: dynamoClient(),
      tableName: "few-items",
      out: parseLocation(out),
      segments: 3,
      maxFileBytes: 2_000,
      pageLimit: 5,
      onCheckpoint: (cp) => {
        if (cp.files.length >= 2) throw new Error("simulated crash");
      },
    });
    await expect(crash).rejects.toThrow("simulated crash");
    const v2 = JSON.parse(readFileSync(join(out, "_checkpoint.json"), "utf8")) as BackupCheckpoint;
    const done = (i: number): boolean => v2.done.some(([from, to]) => from <= i && i < to);
    const v1 = {
      ...v2,
      version: 1,
      done: undefined,
      positions: undefined,
      files: undefined,
      segments: Array.from({ length: v2.totalSegments }, (_, i) => ({
        done: done(i),
        files: i === 0 ? v2.files : [],
        ...(v2.positions[i] === undefined ? {} : { lastEvaluatedKey: v2.positions[i] }),
      })),
    };
    writeFileSync(join(out, "_checkpoint.json"), JSON.stringify(v1));
    const resumed = await dr(["backup", "--table", "few-items", "--out", out, "--resume", "--json"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json()).toMatchObject({ itemCount: 100, resumed: true });
    const v = await dr(["verify", out, "--table", "few-items", "--quiet"]);
    expect(v.code, v.stderr).toBe(0);
  });
});

describe("Ctrl-C during a backup", () => {
  it("exits 130 printing the exact --resume command, and that command finishes the backup", async () => {
    await createTable(ddb, simpleTable("slow-src"));
    await seed(ddb, "slow-src", makeItems(200));
    const out = join(dir, "interrupted");
    const args = ["backup", "--table", "slow-src", "--out", out, "--segments", "1", "--page-size", "5"];
    const child = spawn(
      process.execPath,
      ["--import", TSX_LOADER, join(REPO, "scripts/dr.ts"), ...args, "--read-rate", "20"],
      {
        cwd: dir,
        env: process.env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    for (let i = 0; i < 300 && !existsSync(join(out, "_checkpoint.json")); i++)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    const command = `dynamo-dr backup --table slow-src --out ${out} --resume`;
    expect(stderr).toContain(
      `interrupted: the backup at ${out} is incomplete (no manifest-summary.json). Resume it with:\n  ${command}\n`,
    );
    expect(existsSync(join(out, "manifest-summary.json"))).toBe(false);
    const resumed = await dr(command.split(" ").slice(1).concat("--json"), { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json()).toMatchObject({ itemCount: 200, resumed: true });
  });
});
