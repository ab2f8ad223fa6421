/**
 * `dynamo-dr runbook` against moto_server (loopback): a deployment with some tables present (one with PITR, one with an
 * on-demand backup), a backup bucket with a verified-export pointer and a capture coverage file, and a Terraform state
 * (a fake terraform answering `state pull`) that binds one table to a restored name. The structure is pinned (the
 * section headings, one row per catalog table), and the facts each section must show; timestamps are not.
 */
import { CreateBackupCommand, DynamoDBClient, UpdateContinuousBackupsCommand } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tableAddress } from "../../lib/addresses";
import { physicalTableName } from "../../lib/catalog";
import { coverageKey } from "../../lib/capture/layout";
import { EXIT } from "../../lib/cli/errors";
import { pointerKey } from "../../lib/pipeline/layout";
import { loadProjectCatalog } from "../../lib/project-config";
import { RUNBOOK_SECTIONS } from "../../lib/runbook/render";
import { createCatalogTable, fakeTerraform, runDr, useEndpoint } from "../dr/helpers";
import { startMoto, type Moto } from "../support/moto";
import { announceSkip, motoSkipReason } from "../support/tools";

const skip = announceSkip("runbook on moto", motoSkipReason());
const PREFIX = "rb";
const BUCKET = "rb-backups";
const catalog = loadProjectCatalog();
const spec = (name: string) => catalog.tables.find((t) => t.name === name) ?? catalog.tables[0]!;
const RESTORED = "rb-CollectionsTable-restored-20250101T000000Z";

describe.skipIf(skip)("runbook (moto)", () => {
  let moto: Moto;
  let ddb: DynamoDBClient;
  let s3: S3Client;
  const dir = mkdtempSync(join(tmpdir(), "dds-runbook-"));

  beforeAll(async () => {
    moto = await startMoto({ shim: false });
    useEndpoint(moto.endpoint);
    ddb = new DynamoDBClient({ endpoint: moto.endpoint, region: "us-east-1" });
    s3 = new S3Client({ endpoint: moto.endpoint, region: "us-east-1", forcePathStyle: true });
    await createCatalogTable(ddb, spec("CollectionsTable"), RESTORED);
    await ddb.send(
      new UpdateContinuousBackupsCommand({
        TableName: RESTORED,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
    await createCatalogTable(ddb, spec("GranulesTable"), physicalTableName(PREFIX, "GranulesTable"));
    await ddb.send(
      new CreateBackupCommand({
        TableName: physicalTableName(PREFIX, "GranulesTable"),
        BackupName: "before-migration",
      }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const pointer = {
      table: "GranulesTable",
      exportType: "FULL_EXPORT",
      exportArn: null,
      exportDir: "exports/GranulesTable/AWSDynamoDB/01234567890123-abcdefgh",
      dataTime: new Date(Date.now() - 30 * 3_600_000).toISOString(),
      itemCount: 42,
      verifiedAt: new Date().toISOString(),
      reportKey: "reports/x.json",
    };
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: pointerKey("GranulesTable", "latest-verified"),
        Body: JSON.stringify(pointer),
      }),
    );
    const coverage = {
      version: 1,
      table: "GranulesTable",
      updatedAt: new Date().toISOString(),
      firstHour: "2025-01-01T00",
      lastHour: "2025-01-01T02",
      hours: {
        "2025-01-01T00": { status: "SEALED", records: 5, objects: 1, sealedAt: "x", problemCount: 0, problems: [] },
        "2025-01-01T01": {
          status: "FAILED",
          records: 0,
          objects: 0,
          sealedAt: "x",
          problemCount: 1,
          problems: ["hole"],
        },
        "2025-01-01T02": { status: "SEALED", records: 5, objects: 1, sealedAt: "x", problemCount: 0, problems: [] },
      },
      heads: {},
      crossChecks: {},
    };
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: coverageKey("GranulesTable"), Body: JSON.stringify(coverage) }),
    );
  });

  afterAll(async () => {
    ddb?.destroy();
    s3?.destroy();
    await moto?.stop();
  });

  it("renders every section, one row per catalog table, with this deployment's names and protection", async () => {
    const tf = fakeTerraform();
    const state = {
      version: 4,
      resources: [
        {
          module: "module.data_persistence",
          mode: "managed",
          type: "aws_dynamodb_table",
          name: "collections_table",
          instances: [{ attributes: { name: RESTORED } }],
        },
      ],
    };
    tf.setScenario({ pulled: JSON.stringify(state) });
    const out = join(dir, "RUNBOOK.md");
    const res = await runDr(["runbook", "--prefix", PREFIX, "--bucket", BUCKET, "--chdir", dir, "--out", out], {
      env: tf.env(),
    });
    expect(res.stderr.split("\n").filter((l) => l.startsWith("error"))).toEqual([]);
    expect(res.code).toBe(EXIT.ok);
    const md = readFileSync(out, "utf8");
    // Structure: the headings, in order.
    const headings = md
      .split("\n")
      .filter((l) => l.startsWith("## "))
      .map((l) => l.slice(3));
    expect(headings).toEqual([...RUNBOOK_SECTIONS]);
    expect(md.split("\n")[0]).toBe(`# Disaster-recovery runbook: \`${PREFIX}\``);
    // Tables: every catalog table, its address and physical name (the restored one from the state).
    const section = (h: string): string => md.split(`## ${h}\n`)[1]?.split("\n## ")[0] ?? "";
    const tablesRows = section("Tables")
      .split("\n")
      .filter((l) => l.startsWith("| ") && !l.startsWith("| Catalog"));
    expect(tablesRows).toHaveLength(catalog.tables.length);
    for (const t of catalog.tables) expect(section("Tables")).toContain(`\`${tableAddress(t.name)}\``);
    expect(section("Tables")).toContain(
      `| CollectionsTable | \`${tableAddress("CollectionsTable")}\` | \`${RESTORED}\` (state) | ACTIVE |`,
    );
    expect(section("Tables")).toContain(`\`${physicalTableName(PREFIX, "ProvidersTable")}\` | MISSING |`);
    // What protects each: PITR window, the backup, the export and its age, capture coverage with the failed hour.
    const protects = section("What protects each table now");
    expect(protects).toMatch(/\| CollectionsTable \| ENABLED \S+ → \S+ \| none \| none \| none \| off \|/);
    expect(protects).toMatch(
      /\| GranulesTable \| DISABLED \| USER \S+ \| none \| FULL_EXPORT \S+ \(30 h old, 42 items\) \| 2 sealed hours 2025-01-01T00…2025-01-01T02, 1 FAILED hours \|/,
    );
    const gaps = section("Gaps to fix before you need them");
    expect(gaps).toContain(
      "- GranulesTable: point-in-time recovery is DISABLED; add it to enable_point_in_time_tables.",
    );
    expect(gaps).toContain("- GranulesTable: the newest verified export is 30 h old (over 26 h).");
    expect(gaps).toContain("- GranulesTable: capture hours failed sealing: 2025-01-01T01.");
    expect(gaps).toContain(
      `- ProvidersTable: the table \`${physicalTableName(PREFIX, "ProvidersTable")}\` does not exist.`,
    );
    // Commands with the names filled in.
    expect(section("Scenario 1: one table corrupted (bad writes or deletes)")).toContain(
      `dynamo-dr restore-pitr --table CollectionsTable --prefix ${PREFIX} --at '<ISO time, e.g. 2025-01-31T04:05:00Z>' --chdir ${dir} --execute`,
    );
    expect(section("Scenario 2: the whole deployment deleted")).toContain(
      `dynamo-dr restore-backups --prefix ${PREFIX} --chdir ${dir} --execute`,
    );
    expect(section("Scenario 3: a table as of a time beyond the PITR window")).toContain(
      `dynamo-dr restore-files s3://${BUCKET}/exports/GranulesTable/AWSDynamoDB/01234567890123-abcdefgh --table rb-GranulesTable-from-export --create-table`,
    );
    expect(section("Permissions the operator needs")).toContain("`dynamodb:RestoreTableToPointInTime`");
    expect(section("After any restore: check")).toContain(
      "- [ ] `terraform plan` in the root module says **No changes**",
    );
    // Read only: terraform was only asked to pull the state.
    for (const call of tf.calls()) expect(call.filter((a) => !a.startsWith("-"))[0]).toBe("state");
  });

  it("refuses to overwrite --out without --force, and replaces it with --force", async () => {
    const out = join(dir, "existing.md");
    writeFileSync(out, "keep me\n");
    const refused = await runDr(["runbook", "--prefix", PREFIX, "--out", out]);
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.stderr).toBe(
      `error: --out: ${out} already exists; add --force to replace it, or choose another path\n`,
    );
    expect(readFileSync(out, "utf8")).toBe("keep me\n");
    const forced = await runDr(["runbook", "--prefix", PREFIX, "--out", out, "--force"]);
    expect(forced.code).toBe(EXIT.ok);
    expect(readFileSync(out, "utf8")).toContain("## Tables");
  });

  it("prints the markdown without --out, and the facts with --json", async () => {
    const text = await runDr(["runbook", "--prefix", PREFIX]);
    expect(text.stdout.startsWith(`# Disaster-recovery runbook: \`${PREFIX}\``)).toBe(true);
    const json = await runDr(["runbook", "--prefix", PREFIX, "--json"]);
    const parsed = JSON.parse(json.stdout) as { tables: { catalogName: string; status: string }[] };
    expect(parsed.tables.map((t) => t.catalogName)).toEqual(catalog.tables.map((t) => t.name));
    expect(parsed.tables.find((t) => t.catalogName === "GranulesTable")?.status).toBe("ACTIVE");
  });
});
