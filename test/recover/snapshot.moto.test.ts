/**
 * snapshot and snapshot prune on moto (+ the test shim's AWS Backup emulation for the vault path).
 */
import { CreateBackupCommand, DynamoDBClient, ListBackupsCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackupClient, listRecoveryPointsByVault } from "../../lib/aws-backup";
import { findTable, physicalTableName } from "../../lib/catalog";
import { EXIT } from "../../lib/cli/errors";
import { loadProjectCatalog } from "../../lib/project-config";
import { moduleVaultName } from "../../lib/recover/module-names";
import { parseSnapshotName } from "../../lib/recover/snapshot";
import { Moto, startMoto } from "../support/moto";
import { announceSkip, motoSkipReason } from "../support/tools";
import { createCatalogTable, runDr, useEndpoint } from "../dr/helpers";
import { createVault } from "./helpers";

const skip = announceSkip("snapshot moto tests", motoSkipReason());
const catalog = loadProjectCatalog();
const P = "sn";
const V = "snv";
const COLLECTIONS = physicalTableName(P, "CollectionsTable");
const RULES = physicalTableName(P, "RulesTable");

describe.skipIf(skip)("snapshot on moto", () => {
  let moto: Moto;
  let ddb: DynamoDBClient;
  const backups = async (): Promise<string[]> =>
    ((await ddb.send(new ListBackupsCommand({}))).BackupSummaries ?? [])
      .map((b) => `${b.TableName}:${b.BackupName}`)
      .sort();

  beforeAll(async () => {
    moto = await startMoto();
    useEndpoint(moto.endpoint);
    ddb = new DynamoDBClient({ endpoint: moto.endpoint, region: "us-east-1" });
    for (const t of catalog.tables) {
      await createCatalogTable(ddb, t, physicalTableName(P, t.name));
      await createCatalogTable(ddb, t, physicalTableName(V, t.name));
    }
    await ddb.send(new PutItemCommand({ TableName: COLLECTIONS, Item: { name: { S: "A" }, version: { S: "1" } } }));
  }, 60_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it("without a vault: an on-demand backup per named table, reason and expiry in its name", async () => {
    const now = Date.now();
    const r = await runDr([
      "snapshot",
      "--prefix",
      P,
      "--tables",
      "CollectionsTable,RulesTable",
      "--reason",
      "before migration #42",
      "--retain-days",
      "3",
      "--wait",
      "--json",
    ]);
    expect(r.code).toBe(EXIT.ok);
    const out = JSON.parse(r.stdout) as {
      via: string;
      snapshots: { tableName: string; backupName: string; status: string }[];
    };
    expect(out.via).toBe("on-demand");
    expect(out.snapshots.map((s) => [s.tableName, s.status])).toEqual([
      [COLLECTIONS, "AVAILABLE"],
      [RULES, "AVAILABLE"],
    ]);
    const parsed = parseSnapshotName(out.snapshots[0]?.backupName ?? "");
    expect(parsed?.reason).toBe("before-migration-42");
    expect(Math.round(((parsed?.expiresAt.getTime() ?? 0) - now) / 86_400_000)).toBe(3);
  });

  it("an unknown table makes nothing", async () => {
    const before = await backups();
    const r = await runDr(["snapshot", "--prefix", "nope", "--tables", "CollectionsTable", "--reason", "x"]);
    expect(r.stderr).toBe(
      "error: --prefix nope: table nope-CollectionsTable does not exist in us-east-1; nothing was snapshotted. Check --prefix, --tables and AWS_REGION.\n",
    );
    expect(r.code).toBe(EXIT.notFound);
    expect(await backups()).toEqual(before);
  });

  it("prune deletes only this command's expired snapshots (dry run first)", async () => {
    await ddb.send(
      new CreateBackupCommand({ TableName: COLLECTIONS, BackupName: "dynamo-dr-snap.20200101T000000Z.old" }),
    );
    await ddb.send(new CreateBackupCommand({ TableName: COLLECTIONS, BackupName: "manual-before-upgrade" }));
    const foreign = physicalTableName("other", "CollectionsTable");
    await createCatalogTable(ddb, findTable(catalog, "CollectionsTable"), foreign);
    await ddb.send(
      new CreateBackupCommand({ TableName: foreign, BackupName: "dynamo-dr-snap.20200101T000000Z.theirs" }),
    );
    const before = await backups();
    const dry = await runDr(["snapshot", "prune", "--prefix", P, "--json"]);
    expect(dry.code).toBe(EXIT.ok);
    const d = JSON.parse(dry.stdout) as { mode: string; expired: { backupName: string }[]; kept: unknown[] };
    expect(d.mode).toBe("dry-run");
    expect(d.expired.map((s) => s.backupName)).toEqual(["dynamo-dr-snap.20200101T000000Z.old"]);
    expect(d.kept).toHaveLength(2);
    expect(await backups()).toEqual(before);
    const run = await runDr(["snapshot", "prune", "--prefix", P, "--yes"]);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain("Deleted 1 expired snapshot(s) of prefix sn:");
    expect(await backups()).toEqual(before.filter((b) => b !== `${COLLECTIONS}:dynamo-dr-snap.20200101T000000Z.old`));
  });

  it("with the module's vault: StartBackupJob with DeleteAfterDays", async () => {
    await createVault(moto.endpoint, moduleVaultName(V));
    const r = await runDr([
      "snapshot",
      "--prefix",
      V,
      "--tables",
      "RulesTable",
      "--reason",
      "deploy 7",
      "--retain-days",
      "14",
      "--wait",
      "--json",
    ]);
    expect(r.code).toBe(EXIT.ok);
    const out = JSON.parse(r.stdout) as { via: string; vault: string; snapshots: { arn: string; status: string }[] };
    expect(out.via).toBe("aws-backup");
    expect(out.vault).toBe("snv-dynamodb");
    expect(out.snapshots[0]?.status).toBe("COMPLETED");
    const bc = new BackupClient({ region: "us-east-1", endpoint: moto.endpoint });
    const points = await listRecoveryPointsByVault(bc, "snv-dynamodb");
    expect(points.map((p) => [p.RecoveryPointArn, p.Lifecycle?.DeleteAfterDays])).toEqual([
      [out.snapshots[0]?.arn, 14],
    ]);
  });
});
