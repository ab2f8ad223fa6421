/**
 * restore-table and restore-deployment against moto_server (RestoreTableToPointInTime, backups): every precondition
 * error with its exact message and nothing created, dry run, confirmation, and a real restore. The commands reach
 * moto only through the SDK's standard AWS_ENDPOINT_URL.
 */
import {
  CreateBackupCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DynamoDBClient,
  ListTablesCommand,
  PutItemCommand,
  ScanCommand,
  UpdateContinuousBackupsCommand,
} from "@aws-sdk/client-dynamodb";
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tableAddress } from "../../lib/addresses";
import { findTable, physicalTableName } from "../../lib/catalog";
import { EXIT } from "../../lib/cli/errors";
import { loadProjectCatalog } from "../../lib/project-config";
import { Moto, startMoto } from "../support/moto";
import { announceSkip, motoSkipReason } from "../support/tools";
import { createCatalogTable, runDr, useEndpoint } from "./helpers";

const skip = announceSkip("restore-table moto tests", motoSkipReason());
const PREFIX = "rt";
const catalog = loadProjectCatalog();
const COLLECTIONS = physicalTableName(PREFIX, "CollectionsTable");
const TOKENS = physicalTableName(PREFIX, "AccessTokensTable");
const KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";

describe.skipIf(skip)("restore-table on moto", () => {
  let moto: Moto;
  let ddb: DynamoDBClient;
  let window: { earliest: Date; latest: Date };

  const tables = async (): Promise<string[]> => (await ddb.send(new ListTablesCommand({}))).TableNames ?? [];

  beforeAll(async () => {
    moto = await startMoto();
    useEndpoint(moto.endpoint);
    ddb = new DynamoDBClient({ endpoint: moto.endpoint, region: "us-east-1" });
    await createCatalogTable(ddb, findTable(catalog, "CollectionsTable"), COLLECTIONS);
    await createCatalogTable(ddb, findTable(catalog, "AccessTokensTable"), TOKENS);
    await ddb.send(
      new UpdateContinuousBackupsCommand({
        TableName: COLLECTIONS,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
    for (const version of ["1", "2", "3"]) {
      await ddb.send(
        new PutItemCommand({ TableName: COLLECTIONS, Item: { name: { S: "MOD09GQ" }, version: { S: version } } }),
      );
    }
    const pitr = (await ddb.send(new DescribeContinuousBackupsCommand({ TableName: COLLECTIONS })))
      .ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
    window = { earliest: pitr?.EarliestRestorableDateTime as Date, latest: pitr?.LatestRestorableDateTime as Date };
  });

  afterAll(async () => {
    ddb?.destroy();
    await moto?.stop();
  });

  it("PITR disabled: exit 3, the message says what to do, nothing created", async () => {
    const before = await tables();
    const res = await runDr(["restore-pitr", "--table", "AccessTokensTable", "--prefix", PREFIX, "--latest", "--yes"]);
    expect(res.stderr).toBe(
      `error: point-in-time recovery is DISABLED on "${TOKENS}", so it cannot be restored to a point in time. Restore an on-demand backup instead (aws dynamodb list-backups --table-name ${TOKENS}), and add AccessTokensTable to the module's enable_point_in_time_tables.\n`,
    );
    expect(res.code).toBe(EXIT.precondition);
    expect(await tables()).toEqual(before);
  });

  it("time outside the window: exit 3, the message shows the window", async () => {
    const before = await tables();
    const res = await runDr([
      "restore-pitr",
      "--table",
      "CollectionsTable",
      "--prefix",
      PREFIX,
      "--at",
      "2000-01-01T00:00:00Z",
      "--yes",
    ]);
    expect(res.stderr).toBe(
      `error: --at 2000-01-01T00:00:00.000Z is outside the restorable window of "${COLLECTIONS}": ${window.earliest.toISOString()} to ${window.latest.toISOString()} (UTC). Pick a time inside it, or use --latest.\n`,
    );
    expect(res.code).toBe(EXIT.precondition);
    expect(await tables()).toEqual(before);
  });

  it("target exists: exit 3", async () => {
    const res = await runDr([
      "restore-pitr",
      "--table",
      "CollectionsTable",
      "--prefix",
      PREFIX,
      "--latest",
      "--target-name",
      TOKENS,
      "--yes",
    ]);
    expect(res.stderr).toBe(
      `error: target table "${TOKENS}" already exists in us-east-1; AWS restores only to a new table: choose another --target-name\n`,
    );
    expect(res.code).toBe(EXIT.precondition);
  });

  it("source table missing: exit 4", async () => {
    const res = await runDr(["restore-pitr", "--table", "CollectionsTable", "--prefix", "nope", "--latest", "--yes"]);
    expect(res.stderr).toBe(
      `error: table "nope-CollectionsTable" (CollectionsTable with this --prefix) does not exist in us-east-1; check --prefix and AWS_REGION. If the whole deployment was deleted, use restore-backups.\n`,
    );
    expect(res.code).toBe(EXIT.notFound);
  });

  it("no terminal and no --yes: asks nothing, restores nothing (exit 10); answering n aborts too", async () => {
    const before = await tables();
    const res = await runDr([
      "restore-pitr",
      "--table",
      "CollectionsTable",
      "--prefix",
      PREFIX,
      "--latest",
      "--target-name",
      "rt-never",
    ]);
    expect(res.code).toBe(EXIT.aborted);
    expect(res.stderr).toContain("No terminal to ask for confirmation: re-run with --yes to proceed.");
    const no = await runDr(
      ["restore-pitr", "--table", "CollectionsTable", "--prefix", PREFIX, "--latest", "--target-name", "rt-never"],
      { answer: "n" },
    );
    expect(no.code).toBe(EXIT.aborted);
    expect(no.stderr).toContain(
      `Restore ${COLLECTIONS} as of its latest restorable time to the NEW table rt-never? Proceed? [y/N]`,
    );
    expect(await tables()).toEqual(before);
  });

  it("--dry-run reads, prints the AWS call it would make, changes nothing", async () => {
    const before = await tables();
    const res = await runDr([
      "restore-pitr",
      "--table",
      "CollectionsTable",
      "--prefix",
      PREFIX,
      "--latest",
      "--target-name",
      "rt-dry",
      "--dry-run",
    ]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(
      `Dry run: ${COLLECTIONS} can be restored (PITR on; window ${window.earliest.toISOString()} to ${window.latest.toISOString()} UTC); nothing was changed.`,
    );
    expect(res.stdout).toContain(
      `  $ aws dynamodb restore-table-to-point-in-time --cli-input-json '{"SourceTableName":"${COLLECTIONS}","TargetTableName":"rt-dry","UseLatestRestorableTime":true,"SSESpecificationOverride":{"Enabled":false}}'`,
    );
    expect(await tables()).toEqual(before);
  });

  it("restores to <table>-restored-<timestamp>, waits for ACTIVE, and prints pasteable steps", async () => {
    const res = await runDr(["restore-pitr", "--table", "CollectionsTable", "--prefix", PREFIX, "--latest", "--yes"]);
    expect(res.code).toBe(0);
    const target = /Restored \S+ to the new table (\S+) /.exec(res.stdout)?.[1] as string;
    expect(target).toMatch(new RegExp(`^${COLLECTIONS}-restored-\\d{8}T\\d{6}Z$`));
    expect(res.stdout).toContain("(ACTIVE; point-in-time recovery on it: DISABLED)");
    expect(res.stdout).toContain("# What the restore did not carry over:");
    expect(res.stdout).toContain("#   - CloudWatch alarms: [you restore]");
    expect(res.stdout).toContain(`terraform import ${tableAddress("CollectionsTable")} ${target}`);
    expect(res.stderr).toContain(`waiting for ${target} to be ACTIVE [####################] 100% 1/1`);
    // The whole output is valid shell (the report is comments).
    expect(spawnSync("bash", ["-n"], { input: res.stdout }).status).toBe(0);
    const items = (await ddb.send(new ScanCommand({ TableName: target }))).Items ?? [];
    expect(items.map((i) => i.version?.S).sort()).toEqual(["1", "2", "3"]);
  });

  it("--at inside the window, --json: the exact request, with the source's KMS key kept", async () => {
    const kmsTable = physicalTableName("kms", "CollectionsTable");
    await ddb.send(
      new CreateTableCommand({
        TableName: kmsTable,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: "name", AttributeType: "S" },
          { AttributeName: "version", AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: "name", KeyType: "HASH" },
          { AttributeName: "version", KeyType: "RANGE" },
        ],
        SSESpecification: { Enabled: true, SSEType: "KMS", KMSMasterKeyId: KMS_KEY },
      }),
    );
    await ddb.send(
      new UpdateContinuousBackupsCommand({
        TableName: kmsTable,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
    const pitr = (await ddb.send(new DescribeContinuousBackupsCommand({ TableName: kmsTable })))
      .ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
    const at = (pitr?.LatestRestorableDateTime as Date).toISOString();
    const res = await runDr([
      "restore-pitr",
      "--table",
      "CollectionsTable",
      "--prefix",
      "kms",
      "--at",
      at,
      "--target-name",
      "kms-restored",
      "--yes",
      "--json",
    ]);
    expect(res.code).toBe(0);
    const data = JSON.parse(res.stdout) as {
      mode: string;
      restoreRequest: unknown;
      restoredPointInTimeRecovery: string;
    };
    expect(data.mode).toBe("restored");
    expect(data.restoredPointInTimeRecovery).toBe("DISABLED");
    expect(data.restoreRequest).toEqual({
      SourceTableName: kmsTable,
      TargetTableName: "kms-restored",
      RestoreDateTime: at,
      SSESpecificationOverride: { Enabled: true, SSEType: "KMS", KMSMasterKeyId: KMS_KEY },
    });
    expect(await tables()).toContain("kms-restored");
  });
});

describe.skipIf(skip)("restore-deployment on moto (no terraform: the printed steps)", () => {
  let moto: Moto;
  let ddb: DynamoDBClient;
  const P = "dep";
  const users = physicalTableName(P, "UsersTable");
  const granules = physicalTableName(P, "GranulesTable");
  const rules = physicalTableName(P, "RulesTable");

  beforeAll(async () => {
    moto = await startMoto();
    useEndpoint(moto.endpoint);
    ddb = new DynamoDBClient({ endpoint: moto.endpoint, region: "us-east-1" });
    for (const name of ["UsersTable", "GranulesTable", "RulesTable"]) {
      await createCatalogTable(ddb, findTable(catalog, name), physicalTableName(P, name));
    }
    await ddb.send(
      new PutItemCommand({ TableName: granules, Item: { granuleId: { S: "g-1" }, collectionId: { S: "c" } } }),
    );
    await ddb.send(new CreateBackupCommand({ TableName: granules, BackupName: "granules-nightly" }));
    await ddb.send(new CreateBackupCommand({ TableName: rules, BackupName: "rules-nightly" }));
    await ddb.send(new DeleteTableCommand({ TableName: granules }));
    await ddb.send(new DeleteTableCommand({ TableName: rules }));
  });

  afterAll(async () => {
    ddb?.destroy();
    await moto?.stop();
  });

  it("no backup for any missing table: exit 4 with what it looked for, nothing restored", async () => {
    const res = await runDr(["restore-backups", "--prefix", "none", "--backup-type", "USER", "--yes"]);
    const looked = catalog.tables.map((t) => physicalTableName("none", t.name)).join(", ");
    expect(res.stderr).toBe(
      `error: no USER backup found for any missing table in us-east-1 (looked for: ${looked}). Check --prefix, AWS_REGION and --backup-type.\n`,
    );
    expect(res.code).toBe(EXIT.notFound);
  });

  it("--dry-run lists what would come back, what exists and what has no backup; changes nothing", async () => {
    const res = await runDr(["restore-backups", "--prefix", P, "--backup-type", "USER", "--dry-run"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`  would restore ${granules} from USER backup granules-nightly \\(`));
    expect(res.stdout).toContain(`  exists        ${users} (skipped: not touched)`);
    expect(res.stdout).toContain(
      `  NO BACKUP     ${physicalTableName(P, "AccessTokensTable")}: terraform apply will create it EMPTY`,
    );
    expect(res.stdout).toContain(
      `  $ aws dynamodb restore-table-from-backup --cli-input-json '{"TargetTableName":"${granules}"`,
    );
    expect((await ddb.send(new ListTablesCommand({}))).TableNames).not.toContain(granules);
  });

  it("restores to the original names and prints the terraform import for every table that now exists", async () => {
    const res = await runDr(["restore-backups", "--prefix", P, "--backup-type", "USER", "--yes"]);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain("restored tables ACTIVE [####################] 100% 2/2");
    const items = (await ddb.send(new ScanCommand({ TableName: granules }))).Items ?? [];
    expect(items.map((i) => i.granuleId?.S)).toEqual(["g-1"]);
    for (const [name, table] of [
      ["GranulesTable", granules],
      ["RulesTable", rules],
      ["UsersTable", users],
    ]) {
      expect(res.stdout).toContain(`terraform import ${tableAddress(name as string)} ${table}`);
    }
    expect(res.stdout).not.toContain("state rm");
    expect(spawnSync("bash", ["-n"], { input: res.stdout }).status).toBe(0);
  });
});
