/**
 * recover on moto (+ the shim's AWS Backup emulation and its settable PITR window): a table written over time with
 * checkpoints; recover at several times picks the source that loses least, and the restored table equals the
 * checkpoint it should. moto's RestoreTableToPointInTime copies the table as it is now, so the PITR case recovers a
 * time after the last write (where "now" and T hold the same data); the PITR window is narrowed with the shim so the
 * older checkpoints fall outside it. The history source is in recover-history.moto.test.ts.
 */
import {
  CreateBackupCommand,
  DeleteItemCommand,
  DynamoDBClient,
  ListTablesCommand,
  PutItemCommand,
  ScanCommand,
  UpdateContinuousBackupsCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackupClient, startBackupJob } from "../../lib/aws-backup";
import { findTable, physicalTableName } from "../../lib/catalog";
import { EXIT } from "../../lib/cli/errors";
import { loadProjectCatalog } from "../../lib/project-config";
import { moduleVaultName } from "../../lib/recover/module-names";
import { Moto, startMoto } from "../support/moto";
import { announceSkip, motoSkipReason } from "../support/tools";
import { createCatalogTable, runDr, useEndpoint } from "../dr/helpers";
import { createVault, setPitrWindow } from "./helpers";

const skip = announceSkip("recover moto tests", motoSkipReason());
const catalog = loadProjectCatalog();
const P = "rc";
const SOURCE = physicalTableName(P, "CollectionsTable");
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
type Item = Record<string, AttributeValue>;
const item = (name: string, version: string, note: string): Item => ({
  name: { S: name },
  version: { S: version },
  note: { S: note },
});
const sortItems = (items: Item[]): string[] => items.map((i) => JSON.stringify(i)).sort();

describe.skipIf(skip)("recover on moto", () => {
  let moto: Moto;
  let ddb: DynamoDBClient;
  const checkpoint: { at: Date; items: string[] }[] = [];
  const scan = async (t: string): Promise<string[]> =>
    sortItems(((await ddb.send(new ScanCommand({ TableName: t }))).Items ?? []) as Item[]);
  const tables = async (): Promise<string[]> => (await ddb.send(new ListTablesCommand({}))).TableNames ?? [];
  const recoverArgs = (at: Date, target: string, ...more: string[]): string[] => [
    "recover",
    "--table",
    "CollectionsTable",
    "--prefix",
    P,
    "--at",
    at.toISOString(),
    "--target-name",
    target,
    ...more,
  ];

  beforeAll(async () => {
    moto = await startMoto();
    useEndpoint(moto.endpoint);
    ddb = new DynamoDBClient({ endpoint: moto.endpoint, region: "us-east-1" });
    await createCatalogTable(ddb, findTable(catalog, "CollectionsTable"), SOURCE);
    await createVault(moto.endpoint, moduleVaultName(P));
    const bc = new BackupClient({ region: "us-east-1", endpoint: moto.endpoint });
    const put = (i: Item): Promise<unknown> => ddb.send(new PutItemCommand({ TableName: SOURCE, Item: i }));
    // Checkpoint 1, kept by an on-demand backup.
    await put(item("A", "1", "first"));
    await put(item("B", "1", "first"));
    await ddb.send(new CreateBackupCommand({ TableName: SOURCE, BackupName: "nightly-1" }));
    await sleep(1100);
    checkpoint.push({ at: new Date(), items: await scan(SOURCE) });
    await sleep(1100);
    // Checkpoint 2, kept by an AWS Backup recovery point in the module's vault.
    await put(item("A", "1", "changed"));
    await put(item("C", "2", "new"));
    await startBackupJob(bc, {
      BackupVaultName: moduleVaultName(P),
      ResourceArn: `arn:aws:dynamodb:us-east-1:123456789012:table/${SOURCE}`,
      IamRoleArn: "arn:aws:iam::123456789012:role/rc-ddb-backup",
    });
    await sleep(1100);
    checkpoint.push({ at: new Date(), items: await scan(SOURCE) });
    await sleep(1100);
    // Checkpoint 3: the table now; PITR on, its window narrowed to after checkpoint 2.
    await ddb.send(new DeleteItemCommand({ TableName: SOURCE, Key: { name: { S: "B" }, version: { S: "1" } } }));
    await put(item("D", "3", "latest"));
    await ddb.send(
      new UpdateContinuousBackupsCommand({
        TableName: SOURCE,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
    await sleep(1100);
    checkpoint.push({ at: new Date(), items: await scan(SOURCE) });
    const earliest = new Date((checkpoint[1]?.at.getTime() ?? 0) + 500);
    await setPitrWindow(moto.endpoint, SOURCE, earliest, new Date(Date.now() + 3_600_000));
  }, 60_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it("before the PITR window, with only the on-demand backup before T: the backup, equal to checkpoint 1, count checked", async () => {
    const cp = checkpoint[0];
    const r = await runDr([...recoverArgs(cp?.at as Date, "rc-at-1"), "--yes", "--json"]);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    const out = JSON.parse(r.stdout) as {
      chosen: { kind: string; backupName: string };
      candidates: { kind: string; usable: boolean; says: string }[];
      check: { ok: boolean; expectedItems: number; restoredItems: number };
      steps: { step: string }[];
      why: string;
    };
    expect(out.chosen).toMatchObject({ kind: "dynamodb-backup", backupName: "nightly-1" });
    expect(out.candidates.find((c) => c.kind === "pitr")?.says).toMatch(/^T is outside the restorable window /);
    expect(out.candidates.find((c) => c.kind === "aws-backup")?.says).toBe(
      "no recovery point at or before T in vault rc-dynamodb",
    );
    expect(out.candidates.find((c) => c.kind === "history")?.says).toBe(
      "pass --bucket <backup bucket> to consider the export history",
    );
    expect(out.why).toBe("it is the only source that can serve T");
    expect(out.check).toMatchObject({ ok: true, expectedItems: 2, restoredItems: 2 });
    expect(out.steps.map((s) => s.step)).toEqual(["survey", "restore", "check"]);
    expect(await scan("rc-at-1")).toEqual(cp?.items);
  });

  it("after the recovery point, still before the window: the AWS Backup recovery point (loses less), equal to checkpoint 2", async () => {
    const cp = checkpoint[1];
    const r = await runDr([...recoverArgs(cp?.at as Date, "rc-at-2"), "--yes"]);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(r.stdout).toContain("Chosen: aws-backup, because it loses least.");
    expect(r.stdout).toContain(
      "Check: 3 items restored; an AWS Backup recovery point does not report an item count, so none could be compared",
    );
    expect(r.stdout).toMatch(
      /Time per step: survey [\d.]+ s, restore [\d.]+ s, check [\d.]+ s; total [\d.]+ s \(the RTO achieved\)\./,
    );
    expect(await scan("rc-at-2")).toEqual(cp?.items);
  });

  it("inside the PITR window: PITR (exact), equal to checkpoint 3, and says a count at T is not possible", async () => {
    const cp = checkpoint[2];
    const r = await runDr([...recoverArgs(cp?.at as Date, "rc-at-3"), "--yes", "--json"]);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    const out = JSON.parse(r.stdout) as { chosen: { kind: string; lossSeconds: number }; check: { says: string } };
    expect(out.chosen).toMatchObject({ kind: "pitr", lossSeconds: 0 });
    expect(out.check.says).toBe(
      "3 items restored; PITR does not say how many items the table had at T, so no count could be compared",
    );
    expect(await scan("rc-at-3")).toEqual(cp?.items);
  });

  it("--source backup inside the window takes the newest backup instead, and says why", async () => {
    const r = await runDr([...recoverArgs(checkpoint[2]?.at as Date, "rc-src", "--source", "backup"), "--dry-run"]);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(r.stdout).toContain("Chosen: aws-backup, because --source backup was given.");
    expect(r.stdout).toContain("$ aws backup start-restore-job --cli-input-json");
    expect(await tables()).not.toContain("rc-src");
  });

  it("--then sees the restored table's names; a failing --then fails the result (exit 6)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "recover-then-"));
    const file = join(dir, "names");
    const then = `printf '%s %s %s' "$DYNAMO_DR_RESTORED_TABLE" "$DYNAMO_DR_TABLE" "$DYNAMO_DR_RESTORED_TABLES" > ${file}`;
    const r = await runDr([...recoverArgs(checkpoint[2]?.at as Date, "rc-then", "--then", then), "--yes", "--json"]);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(readFileSync(file, "utf8")).toBe('rc-then CollectionsTable {"CollectionsTable":"rc-then"}');
    expect((JSON.parse(r.stdout) as { then: { exitCode: number } }).then.exitCode).toBe(0);
    const bad = await runDr([...recoverArgs(checkpoint[2]?.at as Date, "rc-then-bad", "--then", "exit 3"), "--yes"]);
    expect(bad.code).toBe(EXIT.verification);
    expect(bad.stderr).toContain("--then: exit 3 exited 3");
    expect(bad.stderr).toContain("error: recover restored rc-then-bad but the result is not OK: --then exited 3\n");
  });
});
