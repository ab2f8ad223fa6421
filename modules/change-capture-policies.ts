/**
 * Least-privilege IAM policies of change capture, as plain data (the same shape as lib/pipeline/iam.ts): the capture
 * function, the seal function and the scheduler that starts the seal. Resources are HCL list expressions (without
 * `${}`), built from the module's own resources' attributes.
 */
import { EXPORTS_PREFIX, STATE_PREFIX } from "../lib/pipeline/config";
import { PolicyStatementSpec } from "../lib/pipeline/iam";

/**
 * The capture layout's top prefixes (lib/capture/config.ts, which modules/ may not import; test/capture/module.synth
 * checks they agree): captured changes, and `state/capture` (per-shard chain pointers, coverage files).
 */
export const CHANGES_PREFIX = "changes";
export const CAPTURE_STATE_PREFIX = `${STATE_PREFIX}/capture`;

/** References (HCL expressions without `${}`, or tokens) the capture policies are scoped to. */
export interface CapturePolicyRefs {
  /** List of the captured tables' stream ARNs. */
  readonly streamArns: string;
  readonly bucketArn: string;
  readonly kmsKeyArn: string;
  readonly failureQueueArn: string;
  readonly topicArn: string;
}

/** `["<bucket arn>/<prefix>/*", …]` */
function objects(refs: CapturePolicyRefs, ...prefixes: string[]): string {
  return `[${prefixes.map((p) => `"\${${refs.bucketArn}}/${p}/*"`).join(", ")}]`;
}

/**
 * `s3:ListBucket` for the given prefixes. The capture functions read objects that may not exist yet (a new shard's
 * pointer, the first coverage file): S3 answers 404 rather than 403 only to a caller allowed to list the bucket, and a
 * GetObject request carries no `s3:prefix`, hence `…IfExists`. Explicit listings stay limited to the prefixes.
 */
function listPrefixes(refs: CapturePolicyRefs, ...prefixes: string[]): PolicyStatementSpec {
  return {
    sid: "ListOwnPrefixes",
    actions: ["s3:ListBucket"],
    resources: `[${refs.bucketArn}]`,
    conditions: [{ test: "StringLikeIfExists", variable: "s3:prefix", values: prefixes.map((p) => `${p}/*`) }],
  };
}

function useKey(refs: CapturePolicyRefs): PolicyStatementSpec {
  return { sid: "UseBackupKey", actions: ["kms:Decrypt", "kms:GenerateDataKey"], resources: `[${refs.kmsKeyArn}]` };
}

function writeLogs(logGroupArn: string): PolicyStatementSpec {
  return {
    sid: "WriteOwnLogs",
    actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
    resources: `["\${${logGroupArn}}:*"]`,
  };
}

/** The capture function: read the captured streams, write its prefixes, send failed batches' descriptions. */
export function captureFunctionPolicy(refs: CapturePolicyRefs, logGroupArn: string): PolicyStatementSpec[] {
  return [
    {
      // What Lambda's event source mapping checks the function's role for. ListStreams has no resource type, so
      // scoped to the streams it grants nothing more; it is listed because Lambda's check asks for it.
      sid: "ReadCapturedStreams",
      actions: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"],
      resources: refs.streamArns,
    },
    {
      sid: "WriteChangesAndShardPointers",
      actions: ["s3:PutObject"],
      resources: objects(refs, CHANGES_PREFIX, CAPTURE_STATE_PREFIX),
    },
    { sid: "ReadShardPointers", actions: ["s3:GetObject"], resources: objects(refs, CAPTURE_STATE_PREFIX) },
    listPrefixes(refs, CAPTURE_STATE_PREFIX),
    {
      // Lambda sends the failed batch's description to the on-failure queue with the function's role.
      sid: "SendFailedBatches",
      actions: ["sqs:SendMessage"],
      resources: `[${refs.failureQueueArn}]`,
    },
    useKey(refs),
    writeLogs(logGroupArn),
  ];
}

/**
 * The seal function: list the captured streams' shards (lineage), read captured changes, incremental exports and its
 * coverage; write manifests and coverage; alert.
 */
export function sealFunctionPolicy(refs: CapturePolicyRefs, logGroupArn: string): PolicyStatementSpec[] {
  return [
    // Shard lineage: DescribeStream on the captured tables' streams only (no GetRecords: the seal reads no records).
    { sid: "DescribeCapturedStreams", actions: ["dynamodb:DescribeStream"], resources: refs.streamArns },
    {
      sid: "ReadChangesExportsAndCoverage",
      actions: ["s3:GetObject"],
      resources: objects(refs, CHANGES_PREFIX, EXPORTS_PREFIX, CAPTURE_STATE_PREFIX),
    },
    {
      sid: "WriteManifestsAndCoverage",
      actions: ["s3:PutObject"],
      resources: objects(refs, CHANGES_PREFIX, CAPTURE_STATE_PREFIX),
    },
    listPrefixes(refs, CHANGES_PREFIX, EXPORTS_PREFIX, CAPTURE_STATE_PREFIX),
    { sid: "PublishSealFailures", actions: ["sns:Publish"], resources: `[${refs.topicArn}]` },
    useKey(refs),
    writeLogs(logGroupArn),
  ];
}

/** The scheduler's role for the seal: invoke the seal function only. */
export function sealSchedulerPolicy(sealFunctionArn: string): PolicyStatementSpec[] {
  return [{ sid: "InvokeSeal", actions: ["lambda:InvokeFunction"], resources: `[${sealFunctionArn}]` }];
}
