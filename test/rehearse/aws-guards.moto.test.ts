/**
 * `rehearse --target aws`, never against a real account: the "account" is a moto_server this test starts on loopback,
 * which AWS_ENDPOINT_URL points the SDK and terraform's AWS provider at, and the suite runs in a private network
 * namespace (no route out). The cost estimate comes first; a table or bucket with the prefix that the rehearsal did
 * not create is refused; without --yes and without a terminal it refuses to proceed — nothing created in those cases.
 * With every guard satisfied it runs the table scenario in that account (a one-table catalog, to keep the apply
 * short) and tears down: every table named <prefix>-* and its backups deleted, terraform destroy for the rest, the
 * scratch folder removed.
 */
import { DynamoDBClient, ListBackupsCommand, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RehearsalReport } from "../../lib/rehearse/report";
import { physicalTableName } from "../../lib/catalog";
import { EXIT } from "../../lib/cli/errors";
import { loadProjectCatalog } from "../../lib/project-config";
import { createCatalogTable, runDr, useEndpoint } from "../dr/helpers";
import { startMoto, type Moto } from "../support/moto";
import { usePrivateTmpdir, type PrivateTmpdir } from "../support/private-tmpdir";
import { announceSkip, findPluginDir, motoSkipReason, terraformSkipReason } from "../support/tools";

const skip = announceSkip("rehearse --target aws on moto", motoSkipReason() ?? terraformSkipReason());
const catalog = loadProjectCatalog();

describe.skipIf(skip)("rehearse --target aws guards (moto on loopback)", () => {
  let moto: Moto;
  let ddb: DynamoDBClient;
  let s3: S3Client;
  let tmp: PrivateTmpdir;

  const inventory = async (): Promise<string[]> => [
    ...((await ddb.send(new ListTablesCommand({}))).TableNames ?? []),
    ...((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => `bucket:${b.Name ?? ""}`),
  ];

  beforeAll(async () => {
    tmp = usePrivateTmpdir("rehearse-aws");
    moto = await startMoto({ shim: false });
    useEndpoint(moto.endpoint);
    ddb = new DynamoDBClient({ endpoint: moto.endpoint, region: "us-east-1" });
    s3 = new S3Client({ endpoint: moto.endpoint, region: "us-east-1", forcePathStyle: true });
    await createCatalogTable(ddb, catalog.tables[0]!, physicalTableName("rehearsal-taken", catalog.tables[0]!.name));
    await s3.send(new CreateBucketCommand({ Bucket: "rehearsal-bucket-backups" }));
  });

  afterAll(async () => {
    ddb?.destroy();
    s3?.destroy();
    await moto?.stop();
    tmp?.restore();
  });

  it.each([
    ["rehearsal-taken", `table ${physicalTableName("rehearsal-taken", catalog.tables[0]!.name)}`],
    ["rehearsal-bucket", "bucket rehearsal-bucket-backups"],
  ])("refuses --prefix %s: something with it exists that the rehearsal did not create", async (prefix, what) => {
    const before = await inventory();
    const res = await runDr(["rehearse", "--target", "aws", "--prefix", prefix, "--yes"]);
    expect(res.code).toBe(EXIT.precondition);
    expect(res.stderr.split("\n")[0]).toMatch(/^Estimated cost: /);
    expect(res.stderr.split("\n")[1]).toBe(
      `error: --prefix ${prefix}: 1 resource(s) with this prefix already exist, which this rehearsal did not create: ${what}. Choose another --prefix rehearsal-<name>, or delete them if they are left from an earlier rehearsal.`,
    );
    expect(await inventory()).toEqual(before);
  });

  it("asks for confirmation: without --yes and without a terminal it refuses, creating nothing", async () => {
    const before = await inventory();
    const res = await runDr(["rehearse", "--target", "aws", "--prefix", "rehearsal-fresh"]);
    expect(res.code).toBe(EXIT.aborted);
    expect(res.stderr).toContain("No terminal to ask for confirmation: re-run with --yes to proceed.");
    const declined = await runDr(["rehearse", "--target", "aws", "--prefix", "rehearsal-fresh"], { answer: "n" });
    expect(declined.code).toBe(EXIT.aborted);
    expect(await inventory()).toEqual(before);
  });

  it(
    "with every guard satisfied it runs the table scenario in the account and tears everything down",
    async () => {
      const before = await inventory();
      const dir = mkdtempSync(join(tmpdir(), "dds-rehearse-aws-"));
      const catalogFile = join(dir, "catalog.json");
      const one = { ...catalog.tables.find((t) => t.name === "ProvidersTable")!, pointInTimeByDefault: true };
      writeFileSync(catalogFile, JSON.stringify({ tables: [one] }));
      const scratch = (): string[] => tmp.scratchFolders();
      const scratchBefore = scratch();
      const env = { ...process.env, DDB_TABLE_CATALOG: catalogFile, TF_PLUGIN_DIR: findPluginDir() };
      const argv = [
        "rehearse",
        "--target",
        "aws",
        "--prefix",
        "rehearsal-ok",
        "--scenario",
        "table",
        "--yes",
        "--json",
      ];
      const res = await runDr(argv, { env, cwd: dir });
      expect(res.stderr.split("\n").filter((l) => l.startsWith("error:"))).toEqual([]);
      expect(res.code).toBe(EXIT.ok);
      const report = JSON.parse(res.stdout) as RehearsalReport;
      expect(report).toMatchObject({ target: "aws", passed: true });
      expect(report.scenarios.map((s) => [s.scenario, s.status])).toEqual([["table (ProvidersTable)", "pass"]]);
      expect(report.scenarios[0]!.steps.at(-1)?.detail).toBe(
        "No changes. Your infrastructure matches the configuration.",
      );
      expect(report.teardown.map((s) => [s.name.split(" (")[0], s.status])).toEqual([
        ["delete every table named rehearsal-ok-* and its on-demand backups", "pass"],
        ["empty the backup bucket", "pass"],
        ["terraform destroy", "pass"],
        ["remove the scratch folder", "pass"],
      ]);
      expect(report.teardown[0]!.detail).toMatch(/^2 tables and 1 backups deleted$/);
      expect(report.teardown[1]!.detail).toBe("no bucket"); // the table scenario deploys no export pipeline
      expect(report.teardown[2]!.detail).toMatch(/^Destroy complete! Resources: \d+ destroyed\.$/);
      expect(await inventory()).toEqual(before);
      const backups = (await ddb.send(new ListBackupsCommand({}))).BackupSummaries ?? [];
      expect(backups.filter((b) => b.TableName?.startsWith("rehearsal-ok-"))).toEqual([]);
      expect(scratch()).toEqual(scratchBefore);
    },
    15 * 60_000,
  );
});
