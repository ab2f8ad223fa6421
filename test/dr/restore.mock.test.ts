/**
 * What moto cannot show, checked at the request level with aws-sdk-client-mock:
 * - SYSTEM backups: moto makes none when a table is deleted (and ignores ListBackups' BackupType filter), so the
 *   choice of the newest AVAILABLE SYSTEM backup, pagination, and the restore requests are checked here;
 * - tables that stay CREATING: moto's restores are ACTIVE at once, so "restored table not ACTIVE" is checked here.
 * The USER-backup restore runs for real on moto in e2e.terraform.test.ts.
 */
import {
  BackupSummary,
  DescribeBackupCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListBackupsCommand,
  ResourceNotFoundException,
  RestoreTableFromBackupCommand,
  RestoreTableToPointInTimeCommand,
  TableAlreadyExistsException,
} from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { resetClients } from "../../lib/aws";
import { physicalTableName, tableNames } from "../../lib/catalog";
import { EXIT } from "../../lib/cli/errors";
import { NotFoundError, PreconditionError } from "../../lib/errors";
import { loadProjectCatalog } from "../../lib/project-config";
import { restoreDeployment } from "../../scripts/commands/restore-deployment";
import { restorePitr } from "../../scripts/commands/restore-table";
import { fakeTerraform, runDr } from "./helpers";

const ddb = mockClient(DynamoDBClient);
const catalog = loadProjectCatalog();
const PREFIX = "prod";
const name = (t: string): string => physicalTableName(PREFIX, t);
const KMS = "arn:aws:kms:us-east-1:123456789012:key/abcd";

function notFound(): ResourceNotFoundException {
  return new ResourceNotFoundException({ message: "Requested resource not found", $metadata: {} });
}

function io() {
  const stderr = new PassThrough();
  let text = "";
  stderr.on("data", (d: Buffer) => (text += d.toString()));
  return {
    io: { cwd: process.cwd(), env: process.env, stderr, stdin: Readable.from([]) },
    stderr: () => text,
  };
}

const backup = (table: string, type: string, created: string, status = "AVAILABLE", suffix = created): BackupSummary =>
  ({
    TableName: table,
    BackupArn: `arn:aws:dynamodb:us-east-1:123456789012:table/${table}/backup/${suffix}`,
    BackupName: type === "SYSTEM" ? `${table}$DeletedTableBackup` : `manual-${suffix}`,
    BackupType: type,
    BackupStatus: status,
    BackupCreationDateTime: new Date(created),
  }) as BackupSummary;

describe("restore-deployment, request level", () => {
  beforeEach(() => {
    ddb.reset();
    resetClients();
  });
  afterAll(() => ddb.restore());

  it("restores the newest AVAILABLE SYSTEM backup of each missing table to its own name; skips existing tables", async () => {
    const collections = name("CollectionsTable");
    const granules = name("GranulesTable");
    const users = name("UsersTable");
    ddb.on(DescribeTableCommand).rejects(notFound());
    ddb.on(DescribeTableCommand, { TableName: users }).resolves({ Table: { TableName: users, TableStatus: "ACTIVE" } });
    for (const t of [collections, granules]) {
      ddb
        .on(DescribeTableCommand, { TableName: t })
        .rejectsOnce(notFound())
        .resolvesOnce({ Table: { TableName: t, TableStatus: "CREATING" } })
        .resolves({ Table: { TableName: t, TableStatus: "ACTIVE" } });
    }
    ddb.on(ListBackupsCommand).resolves({ BackupSummaries: [] });
    // Two pages for CollectionsTable; a newer USER backup, a newer DELETED SYSTEM backup and another table's
    // backup must all be passed over.
    ddb.on(ListBackupsCommand, { TableName: collections, ExclusiveStartBackupArn: undefined }).resolves({
      BackupSummaries: [
        backup(collections, "SYSTEM", "2025-01-01T00:00:00Z"),
        backup(collections, "USER", "2025-03-01T00:00:00Z"),
      ],
      LastEvaluatedBackupArn: "page-2",
    });
    ddb.on(ListBackupsCommand, { TableName: collections, ExclusiveStartBackupArn: "page-2" }).resolves({
      BackupSummaries: [
        backup(collections, "SYSTEM", "2025-02-01T00:00:00Z"),
        backup(collections, "SYSTEM", "2025-02-15T00:00:00Z", "DELETED"),
        backup(name("CollectionsTableX"), "SYSTEM", "2025-04-01T00:00:00Z"),
      ],
    });
    ddb.on(ListBackupsCommand, { TableName: granules }).resolves({
      BackupSummaries: [backup(granules, "SYSTEM", "2025-02-02T00:00:00Z")],
    });
    ddb.on(DescribeBackupCommand).resolves({ BackupDescription: {} });
    ddb
      .on(DescribeBackupCommand, { BackupArn: backup(granules, "SYSTEM", "2025-02-02T00:00:00Z").BackupArn })
      .resolves({
        BackupDescription: {
          SourceTableFeatureDetails: { SSEDescription: { Status: "ENABLED", SSEType: "KMS", KMSMasterKeyArn: KMS } },
        },
      });
    ddb.on(RestoreTableFromBackupCommand).resolves({});

    const out = io();
    const result = await restoreDeployment({ prefix: PREFIX, yes: true, pollMs: 5 }, out.io);

    for (const t of tableNames(catalog)) {
      expect(ddb.commandCalls(ListBackupsCommand, { TableName: name(t) }).length > 0, t).toBe(t !== "UsersTable");
    }
    for (const call of ddb.commandCalls(ListBackupsCommand)) expect(call.args[0].input.BackupType).toBe("SYSTEM");
    expect(ddb.commandCalls(RestoreTableFromBackupCommand).map((c) => c.args[0].input)).toEqual([
      { TargetTableName: collections, BackupArn: backup(collections, "SYSTEM", "2025-02-01T00:00:00Z").BackupArn },
      {
        TargetTableName: granules,
        BackupArn: backup(granules, "SYSTEM", "2025-02-02T00:00:00Z").BackupArn,
        SSESpecificationOverride: { Enabled: true, SSEType: "KMS", KMSMasterKeyId: KMS },
      },
    ]);
    expect(result.tables.find((t) => t.catalogName === "UsersTable")?.status).toBe("exists");
    expect(result.tables.filter((t) => t.status === "no-backup").length).toBe(tableNames(catalog).length - 3);
    // Both waited for (CREATING, then ACTIVE), counted by the progress line.
    expect(out.stderr()).toContain("restored tables ACTIVE [####################] 100% 2/2");
    // The imports cover the restored tables and the survivor, not the lost ones.
    expect(result.recipe.steps.map((s) => s.argv.at(-1))).toEqual([collections, granules, users]);
  });

  it("no backup of the chosen type for any missing table: NotFoundError, nothing restored", async () => {
    ddb.on(DescribeTableCommand).rejects(notFound());
    ddb.on(ListBackupsCommand).resolves({ BackupSummaries: [] });
    const out = io();
    const err = await restoreDeployment({ prefix: PREFIX, yes: true }, out.io).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toBe(
      `no SYSTEM backup found for any missing table in us-east-1 (looked for: ${tableNames(catalog).map(name).join(", ")}). AWS makes a SYSTEM backup only when a table with PITR enabled is deleted; try --backup-type USER or ALL, and check --prefix and AWS_REGION.`,
    );
    expect(ddb.commandCalls(RestoreTableFromBackupCommand)).toEqual([]);
  });

  it("a table that stays CREATING: restored table not ACTIVE (exit 3), naming it and its status", async () => {
    const collections = name("CollectionsTable");
    ddb.on(DescribeTableCommand).resolves({ Table: { TableStatus: "ACTIVE" } });
    ddb
      .on(DescribeTableCommand, { TableName: collections })
      .rejectsOnce(notFound())
      .resolves({ Table: { TableStatus: "CREATING" } });
    ddb.on(ListBackupsCommand).resolves({ BackupSummaries: [backup(collections, "SYSTEM", "2025-01-01T00:00:00Z")] });
    ddb.on(DescribeBackupCommand).resolves({});
    ddb.on(RestoreTableFromBackupCommand).resolves({});
    const err = await restoreDeployment({ prefix: PREFIX, yes: true, waitMinutes: 0 }, io().io).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PreconditionError);
    expect((err as Error).message).toBe(
      `restored table not ACTIVE after waiting 0s: ${collections} (CREATING). The restore goes on in AWS; when it is ACTIVE (aws dynamodb wait table-exists --table-name <name>), run import-restored-table / the printed terraform import commands.`,
    );
  });

  it("a table that appears during the restores: stops starting new ones, says which are already restoring", async () => {
    const [a, b] = [name("CollectionsTable"), name("GranulesTable")];
    ddb.on(DescribeTableCommand).resolves({ Table: { TableStatus: "ACTIVE" } });
    for (const t of [a, b])
      ddb
        .on(DescribeTableCommand, { TableName: t })
        .rejectsOnce(notFound())
        .resolves({ Table: { TableStatus: "ACTIVE" } });
    ddb.on(ListBackupsCommand).callsFake((input: { TableName: string }) => ({
      BackupSummaries: [backup(input.TableName, "USER", "2025-01-01T00:00:00Z")],
    }));
    ddb.on(DescribeBackupCommand).resolves({});
    ddb.on(RestoreTableFromBackupCommand).resolves({});
    ddb
      .on(RestoreTableFromBackupCommand, { TargetTableName: b })
      .rejects(new TableAlreadyExistsException({ message: "Table already exists", $metadata: {} }));
    const err = await restoreDeployment({ prefix: PREFIX, yes: true, backupType: "USER" }, io().io).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PreconditionError);
    expect((err as Error).message).toBe(
      `table "${b}" appeared while restoring (someone else created or restored it); re-run restore-backups to skip it\nAlready restoring (they go on in AWS): ${a}. Re-run restore-backups: existing tables are skipped.`,
    );
  });
});

describe("restored table not ACTIVE (restore-table, import-restored-table)", () => {
  beforeEach(() => {
    ddb.reset();
    resetClients();
  });

  it("restore-table: the target stays CREATING past --wait-minutes", async () => {
    const source = name("CollectionsTable");
    ddb.on(DescribeTableCommand).resolves({ Table: { TableName: source, TableStatus: "ACTIVE" } });
    ddb
      .on(DescribeTableCommand, { TableName: "prod-restored" })
      .rejectsOnce(notFound())
      .resolves({ Table: { TableStatus: "CREATING" } });
    ddb.on(DescribeContinuousBackupsCommand).resolves({
      ContinuousBackupsDescription: {
        ContinuousBackupsStatus: "ENABLED",
        PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: "ENABLED" },
      },
    });
    ddb.on(RestoreTableToPointInTimeCommand).resolves({});
    const err = await restorePitr(
      {
        table: "CollectionsTable",
        prefix: PREFIX,
        latest: true,
        targetName: "prod-restored",
        yes: true,
        waitMinutes: 0,
      },
      io().io,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreconditionError);
    expect((err as Error).message).toContain("restored table not ACTIVE after waiting 0s: prod-restored (CREATING).");
    expect(ddb.commandCalls(RestoreTableToPointInTimeCommand)).toHaveLength(1);
  });

  it("import-restored-table --execute: refuses a table that is still CREATING, before any state change", async () => {
    ddb.on(DescribeTableCommand).resolves({ Table: { TableName: "prod-restored", TableStatus: "CREATING" } });
    const tf = fakeTerraform();
    tf.setScenario({ pulled: '{"version":4,"serial":1,"lineage":"x","resources":[]}' });
    const root = mkdtempSync(join(tmpdir(), "dds-root-"));
    const res = await runDr(
      [
        "import-restored-table",
        "--table",
        "CollectionsTable",
        "--restored-name",
        "prod-restored",
        "--execute",
        "--chdir",
        root,
        "--yes",
        "--override-in-config",
        "--skip-state-rm",
      ],
      { env: tf.env() },
    );
    expect(res.stderr.slice(res.stderr.indexOf("error: "))).toBe(
      'error: restored table "prod-restored" is CREATING, not ACTIVE; wait for the restore to finish (aws dynamodb wait table-exists --table-name prod-restored), then run this again\n',
    );
    expect(res.code).toBe(EXIT.precondition);
    expect(tf.calls().map((c) => c.slice(1).join(" "))).toEqual(["state pull"]);
  });
});
