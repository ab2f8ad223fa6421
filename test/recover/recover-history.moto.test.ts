/**
 * recover with the export history as a source, on moto (S3 + DynamoDB, whose ImportTable is real): a table written
 * over time (test/history's fixture writes) with its history in the backup bucket — a native full export, hourly
 * incremental exports in AWS's format, captured changes for the first two hours — and the live table's PITR window
 * narrowed by the shim to the last minute, with no backup at or before T. recover chooses the history, rebuilds into
 * s3://<bucket>/rebuilds/<CatalogName>/<stamp>/, ImportTables it, checks the count and a sample, and the restored table
 * equals the table as of T (exact inside capture; at an export point; the nearest export point between two). A gap in
 * the history is refused by name with nothing created; a missing bucket is exit 4; the checker reports a tampered
 * table.
 */
import {
  DeleteItemCommand,
  DynamoDBClient,
  ListTablesCommand,
  PutItemCommand,
  ScanCommand,
  UpdateContinuousBackupsCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { mkdtempSync, readdirSync, watch } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { physicalTableName } from "../../lib/catalog";
import { EXIT } from "../../lib/cli/errors";
import { canonicalItem, decodeWireItem, openExport, type Item } from "../../lib/export-format";
import { checkHistoryRestore, HISTORY_SAMPLE_SIZE, samplePositions } from "../../lib/recover/history";
import { countItems } from "../../lib/recover/restore";
import { SPEC, stateAt } from "../history/fixtures";
import { Moto, startMoto } from "../support/moto";
import { announceSkip, motoSkipReason } from "../support/tools";
import { createCatalogTable, runDr, useEndpoint } from "../dr/helpers";
import { setPitrWindow } from "./helpers";
import { HISTORY_TABLE, historyCatalogFile, writeHistoryBucket, type HistoryBucket } from "./history-bucket";

const skip = announceSkip("recover --source history moto tests", motoSkipReason());
const P = "rh";
const SOURCE = physicalTableName(P, HISTORY_TABLE);
const GOOD = "rh-backups";
const GAPPY = "rh-gappy";
const HOUR = 3_600_000;
const env = { ...process.env, DDB_TABLE_CATALOG: historyCatalogFile() };

interface RecoverJson {
  chosen: { kind: string; lossSeconds: number; dataAsOf: string; says: string };
  candidates: { kind: string; usable: boolean; says: string }[];
  check: { ok: boolean; expectedItems: number; restoredItems: number; sampled: number; mismatched: string[] };
  steps: { step: string; seconds: number }[];
  rebuild: { out: string; items: number; captureHours: string[]; incrementalExports: string[] };
  import: { importedItems: number };
  restoreRequest: string;
}

describe.skipIf(skip)("recover from the export history on moto", () => {
  let moto: Moto;
  let ddb: DynamoDBClient;
  let good: HistoryBucket;
  const scan = async (t: string): Promise<string[]> =>
    ((await ddb.send(new ScanCommand({ TableName: t }))).Items ?? []).map((i) => canonicalItem(i as Item)).sort();
  const expected = (at: number): string[] =>
    [...stateAt(good.writes, at).values()].map((w) => canonicalItem(decodeWireItem(w, "fixture"))).sort();
  const tables = async (): Promise<string[]> => (await ddb.send(new ListTablesCommand({}))).TableNames ?? [];
  const recover = (
    at: number,
    target: string,
    ...more: string[]
  ): Promise<{ code: number; stdout: string; stderr: string }> =>
    runDr(
      [
        "recover",
        "--table",
        HISTORY_TABLE,
        "--prefix",
        P,
        "--at",
        new Date(at).toISOString(),
        "--target-name",
        target,
        ...more,
      ],
      { env },
    );

  beforeAll(async () => {
    moto = await startMoto();
    useEndpoint(moto.endpoint);
    ddb = new DynamoDBClient({ endpoint: moto.endpoint, region: "us-east-1" });
    good = await writeHistoryBucket(moto.endpoint, GOOD, { captured: [0, 1], incrementals: true });
    await writeHistoryBucket(moto.endpoint, GAPPY, { captured: [0, 1, 2], failed: [1], incrementals: false });
    await createCatalogTable(ddb, SPEC, SOURCE);
    await ddb.send(
      new UpdateContinuousBackupsCommand({
        TableName: SOURCE,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
    await setPitrWindow(moto.endpoint, SOURCE, new Date(Date.now() - 60_000), new Date(Date.now() + HOUR));
  }, 120_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it("before the PITR window, no backup: the history, exact from capture, equal to the table at T; count and sample checked", async () => {
    const at = good.h0 + 30 * 60_000 + 17_000;
    const r = await recover(at, "rh-exact", "--bucket", GOOD, "--yes", "--json");
    expect(r.code, r.stderr).toBe(EXIT.ok);
    const out = JSON.parse(r.stdout) as RecoverJson;
    expect(out.chosen).toMatchObject({ kind: "history", lossSeconds: 0, dataAsOf: new Date(at).toISOString() });
    expect(out.chosen.says).toMatch(/^exact to the stream's 1 s precision: rebuilt from the native export of /);
    expect(out.candidates.find((c) => c.kind === "pitr")?.says).toMatch(/^T is outside the restorable window /);
    expect(out.candidates.find((c) => c.kind === "dynamodb-backup")?.usable).toBe(false);
    expect(out.steps.map((s) => s.step)).toEqual(["survey", "rebuild", "restore", "check"]);
    expect(out.rebuild.out).toMatch(new RegExp(`^s3://${GOOD}/rebuilds/${HISTORY_TABLE}/\\d{8}T\\d{6}Z$`));
    expect(out.rebuild.captureHours.length).toBe(1);
    const want = expected(at);
    expect(want.length).toBeGreaterThan(5);
    expect(out.check).toMatchObject({ ok: true, expectedItems: want.length, restoredItems: want.length });
    expect(out.check.sampled).toBe(Math.min(want.length, HISTORY_SAMPLE_SIZE));
    expect(out.import.importedItems).toBe(want.length);
    expect(await scan("rh-exact")).toEqual(want);
  });

  it("an existing --target-name is refused before the rebuild (exit 3, nothing written to the bucket)", async () => {
    const s3 = new S3Client({ endpoint: moto.endpoint, region: "us-east-1", forcePathStyle: true });
    const keys = async (): Promise<number> =>
      (await s3.send(new ListObjectsV2Command({ Bucket: GOOD, Prefix: "rebuilds/" }))).KeyCount ?? 0;
    const before = await keys();
    const r = await recover(good.h0 + HOUR, "rh-exact", "--bucket", GOOD, "--source", "history", "--yes");
    expect(r.stderr).toContain(
      'error: --target-name: table "rh-exact" already exists; ImportTable creates a NEW table: choose another --target-name (checked before the rebuild)\n',
    );
    expect(r.code).toBe(EXIT.precondition);
    expect(await keys()).toBe(before);
    s3.destroy();
  });

  it("--source history at an export point: exact from the incremental exports, text report with timings", async () => {
    const at = good.h0 + 3 * HOUR;
    const temp = mkdtempSync(join(tmpdir(), "dds-recover-temp-"));
    const created: string[] = [];
    const watcher = watch(temp, (_event, name) => created.push(String(name)));
    const flags = ["--memory-limit", "256MB", "--temp-dir", temp];
    const r = await recover(at, "rh-point", "--bucket", `s3://${GOOD}`, "--source", "history", ...flags, "--yes");
    watcher.close();
    expect(r.code, r.stderr).toBe(EXIT.ok);
    // --temp-dir reached the rebuild: its working folder was made there, and removed afterwards
    expect(created.some((n) => n.startsWith("dynamo-dr-rebuild-"))).toBe(true);
    expect(readdirSync(temp)).toEqual([]);
    expect(r.stdout).toContain("Chosen: history, because --source history was given.");
    expect(r.stdout).toMatch(/3 incremental export\(s\), 0 captured hour\(s\)\)\./);
    expect(r.stdout).toMatch(
      /Check: \d+ items restored, as the rebuild's manifest says; \d+ sampled item\(s\) read back equal the rebuild/,
    );
    expect(r.stdout).toMatch(
      /Time per step: survey [\d.]+ s, rebuild [\d.]+ s, restore [\d.]+ s, check [\d.]+ s; total [\d.]+ s \(the RTO achieved\)\./,
    );
    expect(await scan("rh-point")).toEqual(expected(at));
  });

  it("between export points without capture: the nearest export point before T, the loss said (dry run: nothing created)", async () => {
    const at = good.h0 + 3 * HOUR + 20 * 60_000;
    const r = await recover(at, "rh-between", "--bucket", GOOD, "--dry-run", "--json");
    expect(r.code, r.stderr).toBe(EXIT.ok);
    const out = JSON.parse(r.stdout) as RecoverJson;
    expect(out.chosen).toMatchObject({
      kind: "history",
      lossSeconds: 1200,
      dataAsOf: new Date(good.h0 + 3 * HOUR).toISOString(),
    });
    expect(out.chosen.says).toContain("the nearest time at or before T it can rebuild exactly");
    expect(out.chosen.says).toContain("changes in the 20 min before T are lost");
    expect(out.restoreRequest).toMatch(
      new RegExp(
        `^dynamo-dr rebuild --bucket ${GOOD} --table ${HISTORY_TABLE} --at ${new Date(good.h0 + 3 * HOUR).toISOString()} --out s3://${GOOD}/rebuilds/${HISTORY_TABLE}/\\d{8}T\\d{6}Z && dynamo-dr restore-files s3://`,
      ),
    );
    expect(await tables()).not.toContain("rh-between");
  });

  it("a gap in the history between its base and T is refused by name (exit 3), nothing created or written", async () => {
    const at = good.h0 + 2 * HOUR + 30 * 60_000;
    const r = await recover(at, "rh-gap", "--bucket", GAPPY, "--source", "history", "--yes");
    const gapFrom = new Date(good.h0 + HOUR).toISOString();
    const gapTo = new Date(good.h0 + 2 * HOUR).toISOString();
    expect(r.stderr).toContain(
      `history: cannot rebuild ${HISTORY_TABLE} exactly as of ${new Date(at).toISOString()}: the history has a gap from ${gapFrom} to ${gapTo} (capture hour `,
    );
    expect(r.code).toBe(EXIT.precondition);
    expect(await tables()).not.toContain("rh-gap");
    const s3 = new S3Client({ endpoint: moto.endpoint, region: "us-east-1", forcePathStyle: true });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: GAPPY, Prefix: "rebuilds/" }));
    s3.destroy();
    expect(listed.KeyCount ?? 0).toBe(0);
  });

  it("without --bucket the history says how to enable it (no other source: exit 3); a missing bucket is exit 4", async () => {
    const none = await recover(good.h0 + HOUR, "rh-nob", "--yes");
    expect(none.stderr).toContain("; history: pass --bucket <backup bucket> to consider the export history.");
    expect(none.code).toBe(EXIT.precondition);
    const r = await recover(good.h0 + HOUR, "rh-missing", "--bucket", "rh-no-such-bucket", "--yes");
    expect(r.stderr).toBe(
      'error: --bucket: bucket "rh-no-such-bucket" does not exist (s3://rh-no-such-bucket/); check the name, and AWS_REGION or AWS_PROFILE\n',
    );
    expect(r.code).toBe(EXIT.notFound);
    expect(await tables()).not.toContain("rh-missing");
  });

  it("the check reports a restored table that differs from the rebuild: the count and the sampled items", async () => {
    const exp = await openExport(
      (
        JSON.parse(
          (await recover(good.h0 + HOUR + 60_000, "rh-check", "--bucket", GOOD, "--yes", "--json")).stdout,
        ) as RecoverJson
      ).rebuild.out,
    );
    const keys = [SPEC.hashKey, SPEC.rangeKey ?? ""];
    const first = (await ddb.send(new ScanCommand({ TableName: "rh-check", Limit: 2 }))).Items as Record<
      string,
      AttributeValue
    >[];
    await ddb.send(new DeleteItemCommand({ TableName: "rh-check", Key: { pk: first[0]!.pk!, sk: first[0]!.sk! } }));
    await ddb.send(new PutItemCommand({ TableName: "rh-check", Item: { ...first[1]!, s: { S: "tampered" } } }));
    const c = await checkHistoryRestore(ddb, "rh-check", exp, keys, countItems);
    expect(c.ok).toBe(false);
    expect(c.restoredItems).toBe(exp.summary.itemCount - 1);
    expect(c.says).toContain(
      `${c.restoredItems} items restored but the rebuild's manifest says ${exp.summary.itemCount}`,
    );
    // Fewer items than the sample size: every item is read back, so both changes are found.
    expect(exp.summary.itemCount).toBeLessThan(HISTORY_SAMPLE_SIZE);
    expect(c.mismatched).toHaveLength(2);
    expect(c.says).toContain("and 2 do not equal the rebuild (");
    expect(samplePositions(exp.summary.itemCount).size).toBe(Math.min(exp.summary.itemCount, HISTORY_SAMPLE_SIZE));
  });
});
