/**
 * Applies the example consumer to moto_server (a loopback AWS endpoint) and reads the tables back with the SDK.
 */
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEFAULT_CATALOG, physicalTableName, pointInTimeDefaults, streamViewTypeOf } from "../../lib/catalog";
import { Moto, startMoto } from "../support/moto";
import { TerraformWorkspace, varFlags } from "../support/terraform";
import { announceSkip, motoSkipReason, terraformSkipReason } from "../support/tools";

const skip = announceSkip("module apply-to-moto tests", terraformSkipReason() ?? motoSkipReason());
const PREFIX = "applytest";

describe.skipIf(skip)("terraform apply of the example consumer to moto", () => {
  let moto: Moto;
  let ws: TerraformWorkspace;
  let ddb: DynamoDBClient;
  let vars: string[];

  beforeAll(async () => {
    moto = await startMoto();
    ddb = new DynamoDBClient({ endpoint: moto.endpoint, region: "us-east-1", maxAttempts: 2 });
    ws = TerraformWorkspace.fromExample("hcl-consumer", inject("moduleDir"));
    vars = varFlags({ aws_endpoint: moto.endpoint, prefix: PREFIX });
    ws.disableOptionalFeatures(); // tables only; test/pipeline applies the pipeline and backup plan
    await ws.init();
    await ws.tf(["apply", "-auto-approve", "-input=false", "-no-color", ...vars]);
  });

  afterAll(async () => {
    ddb?.destroy();
    await moto?.stop();
  });

  it("a second plan reports no changes", async () => {
    const res = await ws.tf(["plan", "-detailed-exitcode", "-input=false", "-no-color", ...vars], { allowFail: true });
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0); // 2 would mean changes
    expect(res.stdout).toContain("No changes.");
  });

  it("created every catalog table on demand, with PITR on exactly the listed ones", async () => {
    const pitr = pointInTimeDefaults(DEFAULT_CATALOG);
    for (const spec of DEFAULT_CATALOG.tables) {
      const TableName = physicalTableName(PREFIX, spec.name);
      const { Table } = await ddb.send(new DescribeTableCommand({ TableName }));
      expect(Table?.BillingModeSummary?.BillingMode, TableName).toBe("PAY_PER_REQUEST");
      expect(Table?.DeletionProtectionEnabled, TableName).toBe(true);
      expect(Table?.KeySchema, TableName).toEqual([
        { AttributeName: spec.hashKey, KeyType: "HASH" },
        ...(spec.rangeKey === undefined ? [] : [{ AttributeName: spec.rangeKey, KeyType: "RANGE" }]),
      ]);
      const view = streamViewTypeOf(spec);
      expect(Table?.StreamSpecification?.StreamEnabled ?? false, TableName).toBe(view !== null);
      const backups = await ddb.send(new DescribeContinuousBackupsCommand({ TableName }));
      const status = backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
      expect(status, TableName).toBe(pitr.includes(spec.name) ? "ENABLED" : "DISABLED");
    }
  });

  it("set TTL and the GSI from the catalog", async () => {
    const ttl = await ddb.send(
      new DescribeTimeToLiveCommand({ TableName: physicalTableName(PREFIX, "AccessTokensTable") }),
    );
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: "expirationTime", TimeToLiveStatus: "ENABLED" });
    const { Table } = await ddb.send(
      new DescribeTableCommand({ TableName: physicalTableName(PREFIX, "GranulesTable") }),
    );
    expect(Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual(["collectionId-granuleId-index"]);
  });
});
