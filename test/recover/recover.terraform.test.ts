/**
 * recover --execute against a real Terraform root module on moto: the example consumer applied (optional features
 * off, as in test/dr/e2e.terraform.test.ts), a backup taken, the table damaged, then `recover --execute` restores the
 * backup into a new table and re-points Terraform at it; the checked plan has 0 destroy / 0 replace, the state holds
 * the new name, the data is the checkpoint, and --then saw the names.
 */
import {
  CreateBackupCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { tableAddress } from "../../lib/addresses";
import { physicalTableName } from "../../lib/catalog";
import { EXIT } from "../../lib/cli/errors";
import { Moto, startMoto } from "../support/moto";
import { TerraformPlan, TerraformWorkspace } from "../support/terraform";
import { announceSkip, motoSkipReason, terraformSkipReason } from "../support/tools";
import { runDr, useEndpoint } from "../dr/helpers";

const skip = announceSkip("recover --execute (terraform + moto)", terraformSkipReason() ?? motoSkipReason());
const PREFIX = "example";
const TABLE = physicalTableName(PREFIX, "ProvidersTable");
const LONG = 900_000;

describe.skipIf(skip)("recover --execute on a real root module", () => {
  let moto: Moto;
  let ddb: DynamoDBClient;
  let ws: TerraformWorkspace;

  beforeAll(async () => {
    moto = await startMoto();
    useEndpoint(moto.endpoint);
    ddb = new DynamoDBClient({ endpoint: moto.endpoint, region: "us-east-1" });
    ws = TerraformWorkspace.fromExample("hcl-consumer", inject("moduleDir"), { TF_VAR_aws_endpoint: moto.endpoint });
    ws.disableOptionalFeatures();
    await ws.init();
    await ws.tf(["apply", "-auto-approve", "-input=false", "-no-color"]);
  }, LONG);

  afterAll(async () => {
    ddb?.destroy();
    await moto?.stop();
  });

  it(
    "restores the backup before the damage, imports it, and the plan destroys and replaces nothing",
    async () => {
      for (const id of ["p-1", "p-2"])
        await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { id: { S: id } } }));
      await ddb.send(new CreateBackupCommand({ TableName: TABLE, BackupName: "before-damage" }));
      await new Promise((r) => setTimeout(r, 1100));
      const at = new Date();
      await ddb.send(new DeleteItemCommand({ TableName: TABLE, Key: { id: { S: "p-1" } } }));
      const file = join(mkdtempSync(join(tmpdir(), "recover-tf-")), "then");
      const res = await runDr(
        [
          "recover",
          "--table",
          "ProvidersTable",
          "--prefix",
          PREFIX,
          "--at",
          at.toISOString(),
          "--target-name",
          `${TABLE}-rec`,
          "--execute",
          "--chdir",
          ws.dir,
          "--yes",
          "--json",
          "--then",
          `echo "$DYNAMO_DR_RESTORED_TABLE" > ${file}`,
        ],
        { env: ws.env },
      );
      expect(res.code, res.stderr).toBe(EXIT.ok);
      const out = JSON.parse(res.stdout) as {
        chosen: { kind: string };
        check: { ok: boolean; restoredItems: number; expectedItems: number };
        execution: { planFile: string };
        steps: { step: string }[];
      };
      expect(out.chosen.kind).toBe("dynamodb-backup");
      expect(out.check).toMatchObject({ ok: true, restoredItems: 2, expectedItems: 2 });
      expect(out.steps.map((s) => s.step)).toEqual(["survey", "restore", "check", "terraform", "then"]);
      expect(readFileSync(file, "utf8")).toBe(`${TABLE}-rec\n`);
      const items = ((await ddb.send(new ScanCommand({ TableName: `${TABLE}-rec` }))).Items ?? []).map((i) => i.id?.S);
      expect(items.sort()).toEqual(["p-1", "p-2"]);
      // The checked plan, read with terraform itself: nothing destroyed or replaced.
      const shown = JSON.parse((await ws.tf(["show", "-json", out.execution.planFile])).stdout) as TerraformPlan;
      const deletes = (shown.resource_changes ?? []).filter((rc) => rc.change.actions.includes("delete"));
      expect(deletes.map((rc) => rc.address)).toEqual([]);
      const address = tableAddress("ProvidersTable");
      const state = await ws.tf(["state", "show", "-no-color", address]);
      expect(state.stdout).toMatch(new RegExp(`^\\s*name\\s*=\\s*"${TABLE}-rec"`, "m"));
    },
    LONG,
  );
});
