/**
 * `cdktf deploy` of the deployable stack, end to end, against moto_server: the stack's provider is pointed at the
 * loopback endpoint through the deploy config's `localEndpoint`, and terraform installs the provider from the
 * offline mirror through a CLI config file.
 */
import { DescribeContinuousBackupsCommand, DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CATALOG, physicalTableName } from "../../lib/catalog";
import { DEPLOY_STACK_NAME, PROJECT_ROOT } from "../../lib/project-config";
import { Moto, startMoto } from "../support/moto";
import { OPTIONAL_FEATURE_SWITCHES, run, terraformEnv } from "../support/terraform";
import { announceSkip, findPluginDir, motoSkipReason, terraformSkipReason } from "../support/tools";

const skip = announceSkip("cdktf deploy test", terraformSkipReason() ?? motoSkipReason());
const PREFIX = "cdkdeploy";

describe.skipIf(skip)("cdktf deploy of the deployable stack to moto", () => {
  let moto: Moto;
  let ddb: DynamoDBClient;

  beforeAll(async () => {
    moto = await startMoto();
    ddb = new DynamoDBClient({ endpoint: moto.endpoint, region: "us-east-1", maxAttempts: 2 });
  });

  afterAll(async () => {
    ddb?.destroy();
    await moto?.stop();
  });

  it("deploys the tables with the inputs from the deploy config", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dds-deploy-"));
    const rc = join(dir, "terraform.rc");
    writeFileSync(rc, `provider_installation {\n  filesystem_mirror {\n    path = "${findPluginDir()}"\n  }\n}\n`);
    const config = {
      localEndpoint: moto.endpoint,
      backend: { type: "local", path: join(dir, "state.tfstate") },
      inputs: {
        prefix: PREFIX,
        enable_point_in_time_tables: ["GranulesTable"],
        deletion_protection: false,
        // Tables only: test/pipeline applies the pipeline and the backup plan.
        ...Object.fromEntries(OPTIONAL_FEATURE_SWITCHES.map((v) => [v, false])),
      },
    };
    const res = await run(
      join(PROJECT_ROOT, "node_modules", ".bin", "cdktf"),
      ["deploy", DEPLOY_STACK_NAME, "--auto-approve", "--skip-provider-lock", "--no-color", "-o", join(dir, "out")],
      PROJECT_ROOT,
      terraformEnv({
        ...moto.env(),
        TF_CLI_CONFIG_FILE: rc,
        DDB_DEPLOY_CONFIG: JSON.stringify(config),
        DDB_MODULE_OUT_DIR: join(dir, "module"),
        CDKTF_DISABLE_PLUGIN_CACHE_ENV: "1",
        DISABLE_VERSION_CHECK: "1",
        CI: "1",
      }),
    );
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);

    const { TableNames = [] } = await ddb.send(new ListTablesCommand({}));
    expect(TableNames.sort()).toEqual(DEFAULT_CATALOG.tables.map((t) => physicalTableName(PREFIX, t.name)).sort());
    const pitr = await ddb.send(
      new DescribeContinuousBackupsCommand({ TableName: physicalTableName(PREFIX, "GranulesTable") }),
    );
    expect(pitr.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe(
      "ENABLED",
    );
  }, 300_000);
});
