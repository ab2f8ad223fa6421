/**
 * End to end on moto_server with real terraform, in the private network namespace the suite runs in: the example
 * consumer is applied once, then both Cumulus scenarios run with the commands against that real state.
 *
 * 1. One table corrupted: `restore-table --execute` (RestoreTableToPointInTime; the restored table has PITR off, as on
 *    AWS), then the same after a restore made with the aws CLI and `scripts/import-restored-table.ts --execute`
 *    run on its own. Each time the checked plan has 0 destroy / 0 replace and `terraform state show` shows the new name.
 * 2. The safety nets on a copy of the root module whose override is a literal: the not-wired refusal (state
 *    untouched), the prevent_destroy safety stop and its printed undo, an absent address, and the hcl recipe
 *    accepted by `terraform validate`.
 * 3. Whole deployment deleted: USER backups (moto makes no SYSTEM backup on delete; SYSTEM selection is covered at
 *    the request level in restore.mock.test.ts), tables deleted, `restore-deployment --execute` into a freshly
 *    initialised root module.
 *
 * The module's optional pipeline/backup-plan features are switched off in this copy of the example (an override
 * file, only for variables the module has) so that the one apply stays lean; they are tested elsewhere.
 */
import {
  AttributeValue,
  CreateBackupCommand,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  RestoreTableToPointInTimeCommand,
  ScanCommand,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEFAULT_MODULE_NAME, tableAddress } from "../../lib/addresses";
import { physicalTableName, tableNames } from "../../lib/catalog";
import { EXIT } from "../../lib/cli/errors";
import { renderHcl } from "../../lib/dr/hcl-render";
import { restoredTablePlan } from "../../lib/dr/import-plan";
import { PROJECT_ROOT, loadProjectCatalog } from "../../lib/project-config";
import { Moto, startMoto } from "../support/moto";
import { TerraformPlan, TerraformWorkspace, run } from "../support/terraform";
import { announceSkip, motoSkipReason, terraformSkipReason } from "../support/tools";
import { runDr, useEndpoint } from "./helpers";

const skip = announceSkip("DR end-to-end tests (terraform + moto)", terraformSkipReason() ?? motoSkipReason());
const PREFIX = "example"; // the example consumer's default prefix
const catalog = loadProjectCatalog();
const t = (name: string): string => physicalTableName(PREFIX, name);

/** terraform on moto is a few seconds per command; these tests chain many. */
const LONG = 300_000;

/** Counts of actions in a saved plan, read with terraform itself (independently of lib/dr/plan-analysis). */
async function planActions(ws: TerraformWorkspace, planFile: string): Promise<Record<string, string[]>> {
  const shown = JSON.parse((await ws.tf(["show", "-json", planFile])).stdout) as TerraformPlan;
  const out: Record<string, string[]> = {};
  for (const rc of shown.resource_changes ?? []) {
    const key = rc.change.actions.join(",");
    (out[key] ??= []).push(rc.address);
  }
  return out;
}

function expectNoDestroy(actions: Record<string, string[]>): void {
  for (const key of Object.keys(actions)) expect(key, `${key}: ${actions[key]?.join(" ")}`).not.toContain("delete");
}

/** The table name bound to an address, read from `terraform state pull` (fast: no provider start-up). */
async function pulledName(ws: TerraformWorkspace, address: string): Promise<string | undefined> {
  const state = JSON.parse((await ws.tf(["state", "pull"])).stdout) as {
    resources: { module?: string; type: string; name: string; instances: { attributes: { name: string } }[] }[];
  };
  const r = state.resources.find(
    (x) => `${x.module === undefined ? "" : `${x.module}.`}${x.type}.${x.name}` === address,
  );
  return r?.instances[0]?.attributes.name;
}

/** The table name bound to an address, as `terraform state show` prints it. */
async function stateName(ws: TerraformWorkspace, address: string): Promise<string> {
  const shown = await ws.tf(["state", "show", "-no-color", address]);
  const m = /^\s*name\s*=\s*"([^"]+)"/m.exec(shown.stdout);
  return m?.[1] as string;
}

function planFileOf(stdout: string): string {
  return /apply (\S+\.tfplan)/.exec(stdout)?.[1] as string;
}

describe.skipIf(skip)("disaster recovery end to end (terraform + moto)", () => {
  let moto: Moto;
  let ddb: DynamoDBClient;
  let ws: TerraformWorkspace;
  let moduleDir: string;
  const overrides: Record<string, string> = {};

  /** Persists the overrides the way the README tells users to (a tfvars file read by every plan). */
  const persistOverrides = (): void =>
    writeFileSync(join(ws.dir, "dr.auto.tfvars.json"), JSON.stringify({ table_name_overrides: overrides }));

  beforeAll(async () => {
    moto = await startMoto();
    useEndpoint(moto.endpoint);
    ddb = new DynamoDBClient({ endpoint: moto.endpoint, region: "us-east-1" });
    moduleDir = inject("moduleDir");
    ws = TerraformWorkspace.fromExample("hcl-consumer", moduleDir, { TF_VAR_aws_endpoint: moto.endpoint });
    ws.disableOptionalFeatures();
    await ws.init();
    await ws.tf(["apply", "-auto-approve", "-input=false", "-no-color"]);
    const seed: [string, Record<string, AttributeValue>[]][] = [
      [
        "CollectionsTable",
        [
          { name: { S: "MOD09GQ" }, version: { S: "006" } },
          { name: { S: "MOD11A1" }, version: { S: "061" } },
        ],
      ],
      ["ProvidersTable", [{ id: { S: "provider-1" } }]],
      ["GranulesTable", [{ granuleId: { S: "g-1" }, collectionId: { S: "MOD09GQ___006" } }]],
    ];
    for (const [table, items] of seed) {
      for (const Item of items) await ddb.send(new PutItemCommand({ TableName: t(table), Item }));
    }
  });

  afterAll(async () => {
    ddb?.destroy();
    await moto?.stop();
  });

  it(
    "restore-table --execute: PITR restore, state rm + import, 0 destroy / 0 replace, then the checked plan applies",
    async () => {
      const address = tableAddress("CollectionsTable");
      const res = await runDr(
        [
          "restore-pitr",
          "--table",
          "CollectionsTable",
          "--prefix",
          PREFIX,
          "--latest",
          "--execute",
          "--chdir",
          ws.dir,
          "--yes",
        ],
        { env: ws.env },
      );
      expect(res.stderr).not.toContain("error:");
      expect(res.code).toBe(0);
      const target = /to the new table (\S+) /.exec(res.stdout)?.[1] as string;
      expect(target).toMatch(new RegExp(`^${t("CollectionsTable")}-restored-\\d{8}T\\d{6}Z$`));
      expect(res.stdout).toContain("point-in-time recovery on it: DISABLED");
      expect(res.stdout).toContain("Plan checked: 0 DynamoDB tables to destroy or replace.");
      expect(res.stdout).toContain(`  ~ ${address} (update)`);
      expect(res.stdout).toContain("      point-in-time recovery: ");
      const planFile = planFileOf(res.stdout);
      const actions = await planActions(ws, planFile);
      expectNoDestroy(actions);
      expect(actions.update).toEqual([address]);
      expect(await stateName(ws, address)).toBe(target);
      const backup = /State saved to (\S+) before any change/.exec(res.stdout)?.[1] as string;
      expect(existsSync(backup)).toBe(true);
      expect(readFileSync(backup, "utf8")).toContain(`"${t("CollectionsTable")}"`); // the old binding

      // The data came back, and the module's apply puts back what the restore did not carry over.
      const items = (await ddb.send(new ScanCommand({ TableName: target }))).Items ?? [];
      expect(items).toHaveLength(2);
      await ws.tf(["apply", "-input=false", "-no-color", planFile]);
      const pitr = await ddb.send(new DescribeContinuousBackupsCommand({ TableName: target }));
      expect(pitr.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe(
        "ENABLED",
      );
      const { Table } = await ddb.send(new DescribeTableCommand({ TableName: target }));
      expect(Table?.DeletionProtectionEnabled).toBe(true);
      expect(Table?.StreamSpecification?.StreamEnabled).toBe(true);

      // Made permanent as the README says (a tfvars file); the next test's plans read it.
      overrides.CollectionsTable = target;
      persistOverrides();
    },
    LONG,
  );

  it(
    "after `aws dynamodb restore-table-to-point-in-time`, scripts/import-restored-table.ts --execute on its own",
    async () => {
      const address = tableAddress("ProvidersTable");
      const target = `${t("ProvidersTable")}-cli`;
      const cli = await run(
        "aws",
        [
          "dynamodb",
          "restore-table-to-point-in-time",
          "--source-table-name",
          t("ProvidersTable"),
          "--target-table-name",
          target,
          "--use-latest-restorable-time",
          "--endpoint-url",
          moto.endpoint,
        ],
        PROJECT_ROOT,
        { ...ws.env, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_DEFAULT_REGION: "us-east-1" },
      );
      expect(cli.stderr).toBe("");
      expect(cli.code).toBe(0);

      const res = await run(
        join(PROJECT_ROOT, "node_modules", ".bin", "tsx"),
        [
          join(PROJECT_ROOT, "scripts", "import-restored-table.ts"),
          "--table",
          "ProvidersTable",
          "--restored-name",
          target,
          "--execute",
          "--chdir",
          ws.dir,
          "--yes",
        ],
        PROJECT_ROOT,
        ws.env, // AWS settings only from the standard AWS_ENDPOINT_URL / AWS_REGION
      );
      expect(res.stderr).not.toContain("error:");
      expect(res.code).toBe(0);
      // The override already in the configuration (CollectionsTable) is kept in what the plan received.
      expect(res.stdout).toContain(
        `(this plan received var.table_name_overrides = ${JSON.stringify({ ...overrides, ProvidersTable: target })}`,
      );
      const actions = await planActions(ws, planFileOf(res.stdout));
      expectNoDestroy(actions);
      expect(actions.update).toEqual([address]);
      expect(await stateName(ws, address)).toBe(target);
      overrides.ProvidersTable = target;
      persistOverrides();
    },
    LONG,
  );

  describe("safety nets, on a copy of the root module whose table_name_overrides is a literal", () => {
    let copy: TerraformWorkspace;
    const rules = tableAddress("RulesTable");
    const restored = `${t("RulesTable")}-r1`;
    const serial = async (): Promise<number> =>
      (JSON.parse((await copy.tf(["state", "pull"])).stdout) as { serial: number }).serial;

    beforeAll(async () => {
      const dir = join(dirname(ws.dir), "hcl-consumer-literal");
      cpSync(ws.dir, dir, { recursive: true });
      rmSync(join(dir, "dr.auto.tfvars.json"));
      const literal = Object.entries(overrides)
        .map(([k, v]) => `${k} = "${v}"`)
        .join(", ");
      copy = new TerraformWorkspace(dir, ws.env);
      copy.disableOptionalFeatures([`  table_name_overrides = { ${literal} }`]);
      await ddb.send(
        new RestoreTableToPointInTimeCommand({
          SourceTableName: t("RulesTable"),
          TargetTableName: restored,
          UseLatestRestorableTime: true,
        }),
      );
    });

    it(
      "refuses when the override cannot be passed to the module, before changing the state",
      async () => {
        const before = await serial();
        const res = await runDr(
          [
            "import-restored-table",
            "--table",
            "RulesTable",
            "--restored-name",
            restored,
            "--execute",
            "--chdir",
            copy.dir,
            "--yes",
          ],
          { env: copy.env },
        );
        expect(res.code).toBe(EXIT.precondition);
        expect(res.stderr).toContain(
          `error: --execute passes the table_name_overrides entry to the plan through a root variable, but module "${DEFAULT_MODULE_NAME}" in the root module sets table_name_overrides to a value that uses no variable. Nothing was changed.`,
        );
        expect(await serial()).toBe(before);
        expect(await pulledName(copy, rules)).toBe(t("RulesTable"));
      },
      LONG,
    );

    it(
      "safety stop when the plan would replace the table (prevent_destroy), and the printed undo works",
      async () => {
        const res = await runDr(
          [
            "import-restored-table",
            "--table",
            "RulesTable",
            "--restored-name",
            restored,
            "--execute",
            "--chdir",
            copy.dir,
            "--yes",
            "--override-in-config",
          ],
          { env: copy.env },
        );
        expect(res.code).toBe(EXIT.safetyStop);
        expect(res.stderr).toContain(
          "error: SAFETY STOP: terraform plan would destroy a DynamoDB table; lifecycle.prevent_destroy made it refuse.",
        );
        expect(res.stderr).toContain(`the module must receive table_name_overrides with RulesTable = "${restored}".`);
        expect(await pulledName(copy, rules)).toBe(restored);
        const undo = /To undo the state change: {2}terraform -chdir=\S+ (state push -force \S+)/.exec(res.stderr)?.[1];
        expect(undo).toBeDefined();
        await copy.tf((undo as string).split(" "));
        expect(await pulledName(copy, rules)).toBe(t("RulesTable"));
        // The original table was never touched.
        const { Table } = await ddb.send(new DescribeTableCommand({ TableName: t("RulesTable") }));
        expect(Table?.TableStatus).toBe("ACTIVE");
      },
      LONG,
    );

    it(
      "an address absent from the state: exit 4, listing the tables the state has",
      async () => {
        const res = await runDr(
          [
            "import-restored-table",
            "--table",
            "RulesTable",
            "--restored-name",
            restored,
            "--module-address",
            `module.platform.module.${DEFAULT_MODULE_NAME}`,
            "--execute",
            "--chdir",
            copy.dir,
            "--yes",
          ],
          { env: copy.env },
        );
        expect(res.code).toBe(EXIT.notFound);
        expect(res.stderr).toContain(
          `error: ${tableAddress("RulesTable", `module.platform.module.${DEFAULT_MODULE_NAME}`)} is not in the Terraform state of ${copy.dir}, so there is nothing to re-point. DynamoDB tables in that state:\n`,
        );
        for (const name of tableNames(catalog)) expect(res.stderr).toContain(`  ${tableAddress(name)}\n`);
      },
      LONG,
    );

    it(
      "the hcl recipe is accepted by terraform validate",
      async () => {
        const hcl = renderHcl(
          restoredTablePlan({
            catalog,
            table: "RulesTable",
            restoredName: restored,
            moduleAddress: `module.${DEFAULT_MODULE_NAME}`,
            stateBackupFile: "b.tfstate",
          }),
        );
        writeFileSync(join(copy.dir, "dr_import.tf"), hcl);
        try {
          const res = await copy.tf(["validate", "-no-color"]);
          expect(res.stdout).toContain("Success!");
        } finally {
          rmSync(join(copy.dir, "dr_import.tf"));
        }
      },
      LONG,
    );
  });

  it(
    "restore-deployment --backup-type USER --execute into a fresh root module: imports, 0 destroy / 0 replace",
    async () => {
      // The deployment: USER backups of two tables, then every table but UsersTable is deleted (deletion
      // protection off first), including the unmanaged originals of the tables restored above.
      const lost = ["GranulesTable", "RulesTable"];
      const noBackup = tableNames(catalog).filter((n) => !lost.includes(n) && n !== "UsersTable");
      for (const name of lost) {
        await ddb.send(new CreateBackupCommand({ TableName: t(name), BackupName: `${name}-before-incident` }));
      }
      for (const name of [...lost, ...noBackup]) {
        await ddb.send(new UpdateTableCommand({ TableName: t(name), DeletionProtectionEnabled: false }));
        await ddb.send(new DeleteTableCommand({ TableName: t(name) }));
      }

      const fresh = TerraformWorkspace.fromExample("hcl-consumer", moduleDir, { TF_VAR_aws_endpoint: moto.endpoint });
      fresh.disableOptionalFeatures();
      await fresh.init();
      const res = await runDr(
        ["restore-backups", "--prefix", PREFIX, "--backup-type", "USER", "--execute", "--chdir", fresh.dir, "--yes"],
        { env: fresh.env },
      );
      expect(res.stderr).not.toContain("error:");
      expect(res.code).toBe(0);
      for (const name of lost)
        expect(res.stdout).toMatch(new RegExp(`  restored +${t(name)} from USER backup ${name}-before-incident`));
      for (const name of noBackup)
        expect(res.stdout).toContain(`  NO BACKUP     ${t(name)}: terraform apply will create it EMPTY`);
      // A table that survived is imported too.
      expect(res.stdout).toContain(`  exists        ${t("UsersTable")} (skipped: not touched)`);
      expect(res.stderr).toContain(`restored tables ACTIVE [####################] 100% ${lost.length}/${lost.length}`);

      const actions = await planActions(fresh, planFileOf(res.stdout));
      expectNoDestroy(actions);
      expect((actions.create ?? []).sort()).toEqual(noBackup.map((n) => tableAddress(n)).sort());
      for (const name of tableNames(catalog).filter((n) => !noBackup.includes(n))) {
        expect(await pulledName(fresh, tableAddress(name))).toBe(t(name));
      }
      const granules = (await ddb.send(new ScanCommand({ TableName: t("GranulesTable") }))).Items ?? [];
      expect(granules.map((i) => i.granuleId?.S)).toEqual(["g-1"]);
    },
    LONG,
  );
});
