/**
 * Interrupted backups and restores (never look complete; --resume finishes them with nothing lost or doubled), and
 * damaged backups (restore refuses them naming the file, with nothing written). dynalite on loopback, plus the fault
 * proxy to make a restore fail part-way.
 */
import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoClient } from "../../lib/aws";
import {
  dataFileRel,
  md5Base64,
  openExport,
  parseLocation,
  serializeManifestFiles,
  serializeManifestSummary,
} from "../../lib/export-format";
import { backupTable, restoreTable, RestoreIncompleteError } from "../../lib/table-io";
import { startDynalite, type DynamoServer } from "../support/dynamo-local";
import { startFaultProxy } from "../support/fault-proxy";
import { client, createTable, dr, makeItems, seed, simpleTable, snapshot, useEndpoint } from "./helpers";

let server: DynamoServer;
let ddb: DynamoDBClient;
let dir: string;
const SOURCE = "resume-src";
const N = 4000;

beforeAll(async () => {
  server = await startDynalite();
  useEndpoint(server.endpoint);
  ddb = client(server.endpoint);
  dir = mkdtempSync(join(tmpdir(), "resume-test-"));
  await createTable(ddb, simpleTable(SOURCE));
  await seed(ddb, SOURCE, makeItems(N));
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("an interrupted backup", () => {
  const out = (): string => join(dir, "interrupted");

  it("is never left looking complete, and --resume finishes it with every item exactly once", async () => {
    let saves = 0;
    const crash = backupTable({
      client: dynamoClient(),
      tableName: SOURCE,
      out: parseLocation(out()),
      segments: 3,
      maxFileBytes: 60_000,
      pageLimit: 100,
      onCheckpoint: (cp) => {
        // Crash once a few files are finished (after the checkpoint naming them is saved).
        if (cp.files.length > 0 && ++saves >= 4) throw new Error("simulated crash");
      },
    });
    await expect(crash).rejects.toThrow("simulated crash");
    expect(existsSync(join(out(), "manifest-summary.json"))).toBe(false);
    expect(existsSync(join(out(), "_checkpoint.json"))).toBe(true);
    const cp = JSON.parse(readFileSync(join(out(), "_checkpoint.json"), "utf8")) as {
      files: unknown[];
      done: [number, number][];
    };
    expect(cp.files.length).toBeGreaterThan(0);
    expect(cp.done).not.toEqual([[0, 3]]);

    // verify and restore refuse it, and say how to resume.
    const v = await dr(["verify", out()]);
    expect(v.code).toBe(3);
    expect(v.stderr).toContain(`${out()} is an INCOMPLETE backup: it has no manifest-summary.json`);
    expect(v.stderr).toContain(`dynamo-dr backup --table ${SOURCE} --out ${out()} --resume`);
    const r = await dr(["restore-files", out(), "--table", "never-created", "--create-table"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("INCOMPLETE backup");

    const resumed = await dr(["backup", "--table", SOURCE, "--out", out(), "--resume", "--json"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json()).toMatchObject({ itemCount: N, resumed: true, segments: 3 });
    expect(existsSync(join(out(), "_checkpoint.json"))).toBe(false);
    // No partial or orphaned data files: exactly the files of the manifest.
    const exp = await openExport(out());
    expect(readdirSync(join(out(), "data")).sort()).toEqual(exp.files.map((f) => dataFileRel(f).slice(5)).sort());
    const res = await dr(["restore-files", out(), "--table", "resumed-copy", "--create-table", "--quiet"]);
    expect(res.code, res.stderr).toBe(0);
    expect(await snapshot(ddb, "resumed-copy")).toEqual(await snapshot(ddb, SOURCE));
  });

  it("resumes a table with a binary (B) and number (N) key from its checkpoint", async () => {
    const table = "resume-binary-key";
    await createTable(ddb, {
      TableName: table,
      AttributeDefinitions: [
        { AttributeName: "bk", AttributeType: "B" },
        { AttributeName: "nk", AttributeType: "N" },
      ],
      KeySchema: [
        { AttributeName: "bk", KeyType: "HASH" },
        { AttributeName: "nk", KeyType: "RANGE" },
      ],
      BillingMode: "PAY_PER_REQUEST",
    });
    const items = Array.from({ length: 1200 }, (_, i) => ({
      bk: { B: new Uint8Array([i % 7, 0, 255, (i * 31) & 255]) },
      nk: { N: `${i}.125E-3` },
      v: { S: "y".repeat(200) },
    }));
    await seed(ddb, table, items);
    const out = join(dir, "binary-key");
    let saves = 0;
    await expect(
      backupTable({
        client: dynamoClient(),
        tableName: table,
        out: parseLocation(out),
        segments: 2,
        maxFileBytes: 20_000,
        pageLimit: 50,
        onCheckpoint: (cp) => {
          if (Object.keys(cp.positions).length > 0 && ++saves >= 3) throw new Error("crash");
        },
      }),
    ).rejects.toThrow("crash");
    const cp = JSON.parse(readFileSync(join(out, "_checkpoint.json"), "utf8")) as {
      positions: Record<string, { bk?: { B?: unknown } }>;
    };
    // Positions are stored in wire form: binary as base64 text, not as a serialized byte array.
    const key = Object.values(cp.positions)[0];
    expect(typeof key?.bk?.B).toBe("string");
    const res = await dr(["backup", "--table", table, "--out", out, "--resume", "--quiet"]);
    expect(res.code, res.stderr).toBe(0);
    const restored = await dr(["restore-files", out, "--table", `${table}-copy`, "--create-table", "--quiet"], {
      cwd: dir,
    });
    expect(restored.code, restored.stderr).toBe(0);
    expect(await snapshot(ddb, `${table}-copy`, ["bk", "nk"])).toEqual(await snapshot(ddb, table, ["bk", "nk"]));
  });

  it("--resume of a finished backup or an empty place says so", async () => {
    const again = await dr(["backup", "--table", SOURCE, "--out", out(), "--resume"]);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain("already holds a complete backup; nothing to resume");
    const none = await dr(["backup", "--table", SOURCE, "--out", join(dir, "nothing-here"), "--resume"]);
    expect(none.stderr).toContain("has no backup checkpoint to resume");
  });
});

describe("an interrupted restore", () => {
  it("fails saying how many items are missing and how to resume; --resume completes it", async () => {
    const out = join(dir, "for-restore");
    // Many small files, so that some are finished (and checkpointed) before the outage.
    await backupTable({
      client: dynamoClient(),
      tableName: SOURCE,
      out: parseLocation(out),
      segments: 4,
      maxFileBytes: 50_000,
      pageLimit: 100,
    });
    expect((await openExport(out)).files.length).toBeGreaterThan(20);
    const proxy = await startFaultProxy({ target: server.endpoint, operations: ["BatchWriteItem"] });
    try {
      useEndpoint(proxy.endpoint);
      let written = 0;
      const attempt = restoreTable({
        client: dynamoClient(),
        source: out,
        tableName: "restore-resume",
        createTable: true,
        cwd: dir,
        retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
        onProgress: (n) => {
          written = n;
          // The "outage": after ~1,500 items, every write is throttled.
          if (n >= 1500) proxy.setRates({ throttle: 1 });
        },
      });
      const err = (await attempt.catch((e: unknown) => e)) as RestoreIncompleteError;
      expect(err).toBeInstanceOf(RestoreIncompleteError);
      expect(err.written).toBeGreaterThanOrEqual(1500);
      expect(err.written).toBeLessThan(N);
      expect(err.message).toContain(`${err.written} of ${N} items are written; ${N - err.written} are missing`);
      expect(err.message).toContain(`dynamo-dr restore-files ${out} --table restore-resume --resume`);
      expect(written).toBe(err.written);

      proxy.setRates({});
      const res = await dr(
        ["restore-files", out, "--table", "restore-resume", "--resume", "--create-table", "--json"],
        {
          cwd: dir,
        },
      );
      expect(res.code, res.stderr).toBe(0);
      const body = res.json<{ writtenItems: number; skippedItems: number }>();
      expect(body.writtenItems).toBe(N);
      expect(body.skippedItems).toBeGreaterThan(0);
      useEndpoint(server.endpoint);
      expect(await snapshot(ddb, "restore-resume")).toEqual(await snapshot(ddb, SOURCE));
      expect(readdirSync(join(dir, ".dynamo-dr"))).toEqual([]);
    } finally {
      useEndpoint(server.endpoint);
      await proxy.stop();
    }
  });
});

describe("a damaged backup: restore and verify fail naming the file, and nothing is written", () => {
  let clean: string;
  beforeAll(async () => {
    clean = join(dir, "clean");
    const res = await dr(["backup", "--table", SOURCE, "--out", clean, "--segments", "2", "--quiet"]);
    expect(res.code).toBe(0);
  });

  async function damaged(
    name: string,
    damage: (root: string, firstFile: string) => void,
  ): Promise<{ root: string; file: string }> {
    const root = join(dir, name);
    const { cpSync } = await import("node:fs");
    cpSync(clean, root, { recursive: true });
    const exp = await openExport(root);
    const file = join(root, dataFileRel(exp.files[0]!));
    damage(root, file);
    return { root, file };
  }

  const cases: [string, (root: string, file: string) => void, RegExp][] = [
    [
      "flipped byte",
      (_r, f) => {
        const b = readFileSync(f);
        b[Math.floor(b.length / 3)]! ^= 0x10;
        writeFileSync(f, b);
      },
      /md5 is .* but manifest-files\.json says|not a complete gzip file/,
    ],
    ["truncated gzip", (_r, f) => truncateSync(f, Math.floor(statSync(f).size / 2)), /md5 is|not a complete gzip file/],
    ["missing data file", (_r, f) => rmSync(f), /missing \(listed in manifest-files\.json\)/],
    [
      "extra data file",
      (r, f) => copyFileSync(f, join(r, "data", "zzzzzzzzzzzzzzzzzzzzzzzzzz.json.gz")),
      /extra data file, not listed in manifest-files\.json/,
    ],
    [
      "manifest count mismatch",
      (r) => {
        const files = readFileSync(join(r, "manifest-files.json"), "utf8")
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as { itemCount: number; md5Checksum: string; etag: string; dataFileS3Key: string });
        files[0]!.itemCount += 3;
        writeFileSync(join(r, "manifest-files.json"), serializeManifestFiles(files));
        const summary = JSON.parse(readFileSync(join(r, "manifest-summary.json"), "utf8")) as Parameters<
          typeof serializeManifestSummary
        >[0];
        writeFileSync(
          join(r, "manifest-summary.json"),
          serializeManifestSummary({ ...summary, itemCount: summary.itemCount + 3 }),
        );
      },
      /holds \d+ items but manifest-files\.json says \d+/,
    ],
  ];

  it("a file whose bytes match the manifest but whose line is not DynamoDB JSON: verify and restore name the line", async () => {
    const root = join(dir, "bad-line");
    const good = `{"Item":{"pk":{"S":"ok-1"}}}\n`;
    const gz = gzipSync(`${good}{"Item":{"pk":{"S":"ok-2"},"n":{"N":"not a number"}}}\n`);
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(root, "data"), { recursive: true });
    writeFileSync(join(root, "data", "badlinebadlinebadlinebadli.json.gz"), gz);
    writeFileSync(
      join(root, "manifest-files.json"),
      serializeManifestFiles([
        {
          itemCount: 2,
          md5Checksum: md5Base64(gz),
          etag: "",
          dataFileS3Key: "data/badlinebadlinebadlinebadli.json.gz",
        },
      ]),
    );
    writeFileSync(
      join(root, "manifest-summary.json"),
      serializeManifestSummary({
        version: "2020-06-30",
        exportArn: null,
        startTime: "",
        endTime: "",
        tableArn: null,
        tableId: null,
        exportTime: "",
        s3Bucket: null,
        s3Prefix: null,
        s3SseAlgorithm: null,
        s3SseKmsKeyId: null,
        manifestFilesS3Key: "manifest-files.json",
        billedSizeBytes: 0,
        itemCount: 2,
        outputFormat: "DYNAMODB_JSON",
      }),
    );
    const file = join(root, "data", "badlinebadlinebadlinebadli.json.gz");
    const v = await dr(["verify", root]);
    expect(v.code).toBe(6);
    expect(v.stderr).toContain(`${file} line 2: attribute n: N must be a number string, got "not a number"`);
    await createTable(ddb, simpleTable("bad-line-target"));
    const r = await dr(["restore-files", root, "--table", "bad-line-target", "--yes"], { cwd: dir });
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(`${file} line 2: attribute n: N must be a number string, got "not a number"`);
    // The line is found in the verification pass: nothing is written.
    expect(r.stderr).toContain("Nothing was written to bad-line-target.");
    expect(await snapshot(ddb, "bad-line-target")).toEqual([]);
  });

  it.each(cases)("%s", async (name, damage, problem) => {
    const { root, file } = await damaged(name.replace(/ /g, "-"), damage);
    const shownFile = name === "extra data file" ? join(root, "data", "zzzzzzzzzzzzzzzzzzzzzzzzzz.json.gz") : file;
    const v = await dr(["verify", root]);
    expect(v.code).toBe(6);
    expect(v.stderr).toContain(shownFile);
    expect(v.stderr).toMatch(problem);
    const table = `damaged-${name.replace(/ /g, "-")}`;
    const r = await dr(["restore-files", root, "--table", table, "--create-table"]);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(shownFile);
    expect(r.stderr).toMatch(problem);
    expect(r.stderr).toContain(`Nothing was written to ${table} and no table was created.`);
    // Verification happens before the table is even created.
    await expect(ddb.send(new DescribeTableCommand({ TableName: table }))).rejects.toThrow(
      /not found|ResourceNotFound|non-existent/i,
    );
  });
});
