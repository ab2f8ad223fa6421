/**
 * enable_history_queries applied to moto by terraform (through the loopback shim): the Glue database, the five tables
 * with their partition projection over the real bucket name, SerDes and columns, and the workgroup with its enforced,
 * KMS-encrypted result location and bytes-scanned limit, each read back from moto with the aws CLI.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEFAULT_CATALOG, tableNames } from "../../lib/catalog";
import {
  ATHENA_RESULTS_PREFIX,
  HISTORY_TABLE_LIST,
  LAZY_SIMPLE_SERDE,
  OPENX_JSON_SERDE,
  locationTemplate,
} from "../../lib/pipeline/athena-tables";
import { applyToMoto, type AppliedDeployment } from "../support/applied";
import { announceSkip, motoSkipReason, terraformSkipReason } from "../support/tools";
import { historyDatabaseName, historyWorkgroupName } from "../../scripts/commands/rebuild-athena";
import { historyWorkspace } from "./athena-module.support";

const skip = announceSkip("history-queries apply-to-moto tests", terraformSkipReason() ?? motoSkipReason());
const PREFIX = "hist";
const CUTOFF = 50 * 1024 * 1024;

interface GlueTable {
  Name: string;
  Parameters: Record<string, string>;
  PartitionKeys: { Name: string; Type: string }[];
  StorageDescriptor: {
    Location: string;
    Columns: { Name: string; Type: string }[];
    SerdeInfo: { SerializationLibrary: string; Parameters?: Record<string, string> };
  };
}

describe.skipIf(skip)("terraform apply of enable_history_queries to moto (via the shim)", () => {
  let d: AppliedDeployment;
  let outputs: Record<string, { value: unknown }>;
  const cli = <T = Record<string, unknown>>(...args: string[]) => d.cli<T>(...args);

  beforeAll(async () => {
    d = await applyToMoto({
      workspace: historyWorkspace,
      moduleDir: inject("moduleDir"),
      prefix: PREFIX,
      inputs: {
        export_tables: ["CollectionsTable"],
        enable_backup_plan: false,
        enable_history_queries: true,
        history_queries_bytes_scanned_cutoff: CUTOFF,
      },
    });
    outputs = JSON.parse((await d.ws.tf(["output", "-json"])).stdout) as Record<string, { value: unknown }>;
  }, 600_000);

  afterAll(async () => {
    await d?.stop();
  });

  const history = (): unknown => outputs.history_queries?.value;
  const pipeline = (): { bucket_name: string; kms_key_arn: string } =>
    outputs.export_pipeline?.value as { bucket_name: string; kms_key_arn: string };
  const bucket = (): string => pipeline().bucket_name;

  it("outputs the database and workgroup names", () => {
    expect(history()).toEqual({
      database_name: `${PREFIX}_ddb_history`,
      workgroup_name: `${PREFIX}-ddb-history`,
      results_s3_uri: `s3://${bucket()}/${ATHENA_RESULTS_PREFIX}/`,
    });
    // `rebuild --engine athena --prefix` names them the same way.
    expect(history()).toMatchObject({
      database_name: historyDatabaseName(PREFIX),
      workgroup_name: historyWorkgroupName(PREFIX),
    });
  });

  it("creates the Glue tables with partition projection over the backup bucket (no crawler)", async () => {
    const { TableList } = await cli<{ TableList: GlueTable[] }>(
      "glue",
      "get-tables",
      "--database-name",
      `${PREFIX}_ddb_history`,
    );
    expect(TableList.map((t) => t.Name).sort()).toEqual(HISTORY_TABLE_LIST.map((t) => t.name).sort());
    for (const spec of HISTORY_TABLE_LIST) {
      const t = TableList.find((x) => x.Name === spec.name) as GlueTable;
      expect(t.Parameters, spec.name).toMatchObject({
        "projection.enabled": "true",
        "projection.table_name.type": "enum",
        "projection.table_name.values": tableNames(DEFAULT_CATALOG).join(","),
        "storage.location.template": locationTemplate(spec.location, bucket()),
      });
      expect(t.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe(
        spec.kind === "json" ? OPENX_JSON_SERDE : LAZY_SIMPLE_SERDE,
      );
      expect(t.StorageDescriptor.Columns.map((c) => [c.Name, c.Type])).toEqual(
        spec.columns.map((c) => [c.name, c.type]),
      );
    }
    const changes = TableList.find((x) => x.Name === "changes") as GlueTable;
    expect(changes.Parameters).toMatchObject({
      "storage.location.template": `s3://${bucket()}/changes/\${table_name}/\${hour}/`,
      "projection.hour.type": "date",
      "projection.hour.format": "yyyy/MM/dd/HH",
      "projection.hour.range": "2020/01/01/00,NOW",
      "projection.hour.interval": "1",
      "projection.hour.interval.unit": "HOURS",
    });
    expect(changes.PartitionKeys.map((k) => k.Name)).toEqual(["table_name", "hour"]);
    const full = TableList.find((x) => x.Name === "full_exports") as GlueTable;
    expect(full.Parameters).toMatchObject({
      "storage.location.template": `s3://${bucket()}/exports/\${table_name}/AWSDynamoDB/\${export_id}/data/`,
      "projection.export_id.type": "injected",
    });
    expect(full.PartitionKeys.map((k) => k.Name)).toEqual(["table_name", "export_id"]);
    const crawlers = await cli<{ Crawlers: unknown[] }>("glue", "get-crawlers");
    expect(crawlers.Crawlers).toEqual([]);
  });

  it("creates the workgroup: enforced, results KMS-encrypted in the backup bucket, a bytes-scanned limit", async () => {
    const keyArn = pipeline().kms_key_arn;
    const { WorkGroup } = await cli<{ WorkGroup: Record<string, unknown> }>(
      "athena",
      "get-work-group",
      "--work-group",
      `${PREFIX}-ddb-history`,
    );
    expect(WorkGroup).toMatchObject({
      Name: `${PREFIX}-ddb-history`,
      State: "ENABLED",
      Configuration: {
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: CUTOFF,
        ResultConfiguration: {
          OutputLocation: `s3://${bucket()}/${ATHENA_RESULTS_PREFIX}/`,
          EncryptionConfiguration: { EncryptionOption: "SSE_KMS", KmsKey: keyArn },
        },
      },
    });
  });

  it("a second plan reports no changes", async () => {
    const res = await d.plan();
    expect(res.stderr).toBe("");
    expect(
      res.code,
      res.stdout
        .split("\n")
        .filter((l) => /[~+-] |#/.test(l))
        .join("\n"),
    ).toBe(0);
  });
});
