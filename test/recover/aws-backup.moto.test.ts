/**
 * AWS Backup as a source, on moto + the test shim (test/support/moto-shim-backup.ts emulates StartBackupJob,
 * StartRestoreJob, the recovery point listings and DeleteRecoveryPoint on top of moto's DynamoDB backups; moto 5.2.1
 * has none of them). The vault itself is moto's (CreateBackupVault).
 */
import { DeleteTableCommand, DynamoDBClient, PutItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BackupClient,
  describeBackupJob,
  describeBackupVault,
  listRecoveryPointsByResource,
  listRecoveryPointsByVault,
  startBackupJob,
} from "../../lib/aws-backup";
import { findTable, physicalTableName } from "../../lib/catalog";
import { EXIT } from "../../lib/cli/errors";
import { loadProjectCatalog } from "../../lib/project-config";
import { moduleVaultName } from "../../lib/recover/module-names";
import { Moto, startMoto } from "../support/moto";
import { announceSkip, motoSkipReason } from "../support/tools";
import { createCatalogTable, runDr, useEndpoint } from "../dr/helpers";
import { createVault } from "./helpers";

const skip = announceSkip("AWS Backup moto tests", motoSkipReason());
const catalog = loadProjectCatalog();
const PREFIX = "ab";
const COLLECTIONS = physicalTableName(PREFIX, "CollectionsTable");
const ROLE = "arn:aws:iam::123456789012:role/ab-ddb-backup";

describe.skipIf(skip)("AWS Backup through the shim", () => {
  let moto: Moto;
  let ddb: DynamoDBClient;
  let bc: BackupClient;
  let tableArn: string;

  beforeAll(async () => {
    moto = await startMoto();
    useEndpoint(moto.endpoint);
    ddb = new DynamoDBClient({ endpoint: moto.endpoint, region: "us-east-1" });
    bc = new BackupClient({ region: "us-east-1", endpoint: moto.endpoint });
    await createCatalogTable(ddb, findTable(catalog, "CollectionsTable"), COLLECTIONS);
    await ddb.send(
      new PutItemCommand({ TableName: COLLECTIONS, Item: { name: { S: "MOD09GQ" }, version: { S: "1" } } }),
    );
    await createVault(moto.endpoint, moduleVaultName(PREFIX));
    tableArn = `arn:aws:dynamodb:us-east-1:123456789012:table/${COLLECTIONS}`;
  }, 60_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it("StartBackupJob records a recovery point with its lifecycle; the listings and DescribeBackupJob show it", async () => {
    expect(await describeBackupVault(bc, "no-such-vault")).toBeUndefined();
    const job = await startBackupJob(bc, {
      BackupVaultName: moduleVaultName(PREFIX),
      ResourceArn: tableArn,
      IamRoleArn: ROLE,
      Lifecycle: { DeleteAfterDays: 7 },
    });
    expect((await describeBackupJob(bc, job.BackupJobId)).State).toBe("COMPLETED");
    const points = await listRecoveryPointsByVault(bc, moduleVaultName(PREFIX), tableArn);
    expect(points).toHaveLength(1);
    const p = points[0];
    expect(p?.RecoveryPointArn).toBe(job.RecoveryPointArn);
    expect(p?.Lifecycle?.DeleteAfterDays).toBe(7);
    const deleteAt = (p?.CalculatedLifecycle?.DeleteAt?.getTime() ?? 0) - (p?.CreationDate?.getTime() ?? 0);
    expect(Math.round(deleteAt / 86_400_000)).toBe(7);
    expect((await listRecoveryPointsByResource(bc, tableArn)).map((r) => r.RecoveryPointArn)).toEqual([
      job.RecoveryPointArn,
    ]);
    await expect(
      startBackupJob(bc, { BackupVaultName: "no-such-vault", ResourceArn: tableArn, IamRoleArn: ROLE }),
    ).rejects.toThrow(/no-such-vault/);
  });

  it("restore-backups --backup-type AWS_BACKUP restores the deleted table from the vault's newest recovery point", async () => {
    await ddb.send(new DeleteTableCommand({ TableName: COLLECTIONS }));
    const dry = await runDr(["restore-backups", "--prefix", PREFIX, "--backup-type", "AWS_BACKUP", "--dry-run"]);
    expect(dry.stderr).toBe("");
    expect(dry.code).toBe(EXIT.ok);
    expect(dry.stdout).toContain("aws backup start-restore-job --cli-input-json");
    expect(dry.stdout).toContain(`"IamRoleArn":"${ROLE}"`);
    const run = await runDr(["restore-backups", "--prefix", PREFIX, "--backup-type", "AWS_BACKUP", "--yes", "--json"]);
    expect(run.stderr).toContain(`Restoring ${COLLECTIONS} from arn:aws:backup:us-east-1:123456789012:recovery-point:`);
    expect(run.code).toBe(EXIT.ok);
    const result = JSON.parse(run.stdout) as { vault: string; restoreJobs: { Metadata: Record<string, string> }[] };
    expect(result.vault).toBe(moduleVaultName(PREFIX));
    expect(result.restoreJobs.map((j) => j.Metadata)).toEqual([
      { targetTableName: COLLECTIONS, encryptionType: "Default" },
    ]);
    const items = (await ddb.send(new ScanCommand({ TableName: COLLECTIONS }))).Items ?? [];
    expect(items).toEqual([{ name: { S: "MOD09GQ" }, version: { S: "1" } }]);
  }, 60_000);

  it("a missing vault is named, with the region, and nothing is restored", async () => {
    const r = await runDr([
      "restore-backups",
      "--prefix",
      PREFIX,
      "--backup-type",
      "AWS_BACKUP",
      "--vault",
      "dr-copies",
      "--region",
      "us-west-2",
      "--yes",
    ]);
    expect(r.stderr).toBe(
      'error: AWS Backup vault "dr-copies" does not exist in us-west-2; check --vault and --region (aws backup list-backup-vaults --region us-west-2)\n',
    );
    expect(r.code).toBe(EXIT.notFound);
  });

  it("a vault in another region (--vault, --region: where copies land) is read and restored in that region", async () => {
    const west = new DynamoDBClient({ endpoint: moto.endpoint, region: "us-west-2" });
    await createCatalogTable(west, findTable(catalog, "CollectionsTable"), COLLECTIONS);
    await west.send(new PutItemCommand({ TableName: COLLECTIONS, Item: { name: { S: "WEST" }, version: { S: "9" } } }));
    await createVault(moto.endpoint, "dr-copies", "us-west-2");
    const westBc = new BackupClient({ region: "us-west-2", endpoint: moto.endpoint });
    await startBackupJob(westBc, {
      BackupVaultName: "dr-copies",
      ResourceArn: `arn:aws:dynamodb:us-west-2:123456789012:table/${COLLECTIONS}`,
      IamRoleArn: ROLE,
    });
    await west.send(new DeleteTableCommand({ TableName: COLLECTIONS }));
    const args = ["restore-backups", "--prefix", PREFIX, "--backup-type", "AWS_BACKUP"];
    const r = await runDr([...args, "--vault", "dr-copies", "--region", "us-west-2", "--yes"]);
    expect(r.code).toBe(EXIT.ok);
    expect((await west.send(new ScanCommand({ TableName: COLLECTIONS }))).Items).toEqual([
      { name: { S: "WEST" }, version: { S: "9" } },
    ]);
  }, 60_000);
});
