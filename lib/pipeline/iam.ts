/**
 * Least-privilege IAM policies of the pipeline, as plain data: one builder per role. The constructs turn them into
 * `aws_iam_policy_document` data sources; the tests check every action against AWS's published action list and
 * that every resource is one of the module's own (tables, backup bucket prefixes, key, topic, functions).
 *
 * Resources are HCL list expressions (without `${}`), because some of them (the exported tables) are only known when
 * Terraform evaluates the module's inputs.
 */
import { EXPORTS_PREFIX, REPORTS_PREFIX, STATE_PREFIX, WORK_PREFIX } from "./config";

export interface PolicyCondition {
  readonly test: string;
  readonly variable: string;
  readonly values: readonly string[];
}

export interface PolicyStatementSpec {
  readonly sid: string;
  readonly actions: readonly string[];
  /** An HCL expression (without `${}`) evaluating to a list of ARNs. */
  readonly resources: string;
  readonly conditions?: readonly PolicyCondition[];
  /**
   * An HCL boolean expression: the statement exists only when it is true (a statement must name at least one
   * resource, and some resource lists can be empty). @default - always present
   */
  readonly when?: string;
}

/** HCL references to the module's resources the policies are scoped to (expressions without `${}`). */
export interface PolicyRefs {
  /** List of the exported tables' ARNs. */
  readonly exportTableArns: string;
  /** List of the ARNs of the exported tables with PITR (native exports). */
  readonly nativeExportTableArns: string;
  /** List of the ARNs of the exported tables without PITR (scan exports). */
  readonly scanExportTableArns: string;
  readonly bucketArn: string;
  readonly kmsKeyArn: string;
  readonly topicArn: string;
  /** ARN pattern of the restore drills' scratch tables, e.g. `arn:aws:dynamodb:…:table/prod-drill-*`. */
  readonly drillTableArnPattern: string;
  /** ARN pattern of DynamoDB's import log groups (`arn:aws:logs:…:log-group:/aws-dynamodb/*`). */
  readonly dynamodbLogGroupArnPattern: string;
}

/** `["<bucket arn>/<prefix>/*", …]` */
function objects(refs: PolicyRefs, ...prefixes: string[]): string {
  return `[${prefixes.map((p) => `"\${${refs.bucketArn}}/${p}/*"`).join(", ")}]`;
}

function listBucket(refs: PolicyRefs, ...prefixes: string[]): PolicyStatementSpec {
  return {
    sid: "ListOwnPrefixes",
    actions: ["s3:ListBucket"],
    resources: `[${refs.bucketArn}]`,
    conditions: [{ test: "StringLike", variable: "s3:prefix", values: prefixes.map((p) => `${p}/*`) }],
  };
}

function useKey(refs: PolicyRefs): PolicyStatementSpec {
  return {
    sid: "UseBackupKey",
    actions: ["kms:Decrypt", "kms:GenerateDataKey"],
    resources: `[${refs.kmsKeyArn}]`,
  };
}

function writeLogs(logGroupArn: string): PolicyStatementSpec {
  return {
    sid: "WriteOwnLogs",
    actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
    resources: `["\${${logGroupArn}}:*"]`,
  };
}

/**
 * The end of a resumable step's policy (the scan export, the verify step): its progress under `work/`, listing the
 * exports and its progress, the backup key, and its own logs.
 */
function resumableStep(refs: PolicyRefs, logGroupArn: string, progressSid: string): PolicyStatementSpec[] {
  return [
    {
      sid: progressSid,
      actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      resources: objects(refs, WORK_PREFIX),
    },
    listBucket(refs, EXPORTS_PREFIX, WORK_PREFIX),
    useKey(refs),
    writeLogs(logGroupArn),
  ];
}

/** Each Lambda function's policy, given the ARN (expression) of its own log group. */
export const FUNCTION_POLICIES = {
  "plan-exports": (refs: PolicyRefs, logGroupArn: string): PolicyStatementSpec[] => [
    { sid: "ReadExportPointers", actions: ["s3:GetObject"], resources: objects(refs, STATE_PREFIX) },
    listBucket(refs, STATE_PREFIX),
    useKey(refs),
    writeLogs(logGroupArn),
  ],
  "native-export": (refs: PolicyRefs, logGroupArn: string): PolicyStatementSpec[] => [
    {
      sid: "StartNativeExports",
      actions: ["dynamodb:ExportTableToPointInTime"],
      resources: refs.nativeExportTableArns,
      when: `length(${refs.nativeExportTableArns}) > 0`,
    },
    {
      sid: "DescribeNativeExports",
      actions: ["dynamodb:DescribeExport"],
      resources: `[for arn in ${refs.nativeExportTableArns} : "\${arn}/export/*"]`,
      when: `length(${refs.nativeExportTableArns}) > 0`,
    },
    {
      // DynamoDB writes the export with the caller's permissions.
      sid: "WriteExports",
      actions: ["s3:PutObject", "s3:PutObjectAcl", "s3:AbortMultipartUpload"],
      resources: objects(refs, EXPORTS_PREFIX),
    },
    useKey(refs),
    writeLogs(logGroupArn),
  ],
  "scan-export": (refs: PolicyRefs, logGroupArn: string): PolicyStatementSpec[] => [
    {
      sid: "ScanTables",
      actions: ["dynamodb:DescribeTable", "dynamodb:DescribeTimeToLive", "dynamodb:Scan"],
      resources: refs.scanExportTableArns,
      when: `length(${refs.scanExportTableArns}) > 0`,
    },
    {
      sid: "WriteScanExports",
      actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
      resources: objects(refs, EXPORTS_PREFIX),
    },
    {
      // The export-format library removes its `_checkpoint.json` marker when an export is complete.
      sid: "RemoveCompletionMarker",
      actions: ["s3:DeleteObject"],
      resources: `["\${${refs.bucketArn}}/${EXPORTS_PREFIX}/*/_checkpoint.json"]`,
    },
    ...resumableStep(refs, logGroupArn, "KeepScanCheckpoints"),
  ],
  "verify-export": (refs: PolicyRefs, logGroupArn: string): PolicyStatementSpec[] => [
    { sid: "ReadExports", actions: ["s3:GetObject"], resources: objects(refs, EXPORTS_PREFIX) },
    {
      sid: "WriteReportsAndPointers",
      actions: ["s3:PutObject"],
      resources: objects(refs, EXPORTS_PREFIX, STATE_PREFIX),
    },
    ...resumableStep(refs, logGroupArn, "KeepVerifyProgress"),
  ],
  "restore-drill": (refs: PolicyRefs, logGroupArn: string): PolicyStatementSpec[] => [
    { sid: "ReadSourceSchema", actions: ["dynamodb:DescribeTable"], resources: refs.exportTableArns },
    {
      sid: "ImportIntoScratchTables",
      actions: ["dynamodb:ImportTable", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:DeleteTable"],
      resources: `["${refs.drillTableArnPattern}"]`,
    },
    {
      sid: "DescribeImports",
      actions: ["dynamodb:DescribeImport"],
      resources: `["${refs.drillTableArnPattern}/import/*"]`,
    },
    {
      sid: "ReadExports",
      actions: ["s3:GetObject"],
      resources: objects(refs, EXPORTS_PREFIX, STATE_PREFIX),
    },
    { sid: "WriteDrillReports", actions: ["s3:PutObject"], resources: objects(refs, REPORTS_PREFIX) },
    listBucket(refs, EXPORTS_PREFIX, STATE_PREFIX),
    useKey(refs),
    {
      // ImportTable logs rejected lines to CloudWatch Logs with the caller's permissions.
      sid: "ImportErrorLogs",
      actions: [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:DescribeLogGroups",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
        "logs:PutRetentionPolicy",
      ],
      resources: `["${refs.dynamodbLogGroupArnPattern}"]`,
    },
    writeLogs(logGroupArn),
  ],
  notify: (refs: PolicyRefs, logGroupArn: string): PolicyStatementSpec[] => [
    { sid: "PublishFailures", actions: ["sns:Publish"], resources: `[${refs.topicArn}]` },
    // The topic is encrypted with the backup key: publishers need it.
    useKey(refs),
    writeLogs(logGroupArn),
  ],
} as const;

/** The state machine's role: invoke its own functions (and their versions), nothing else. */
export function stateMachinePolicy(functionArns: readonly string[]): PolicyStatementSpec[] {
  return [
    {
      sid: "InvokePipelineFunctions",
      actions: ["lambda:InvokeFunction"],
      resources: `flatten([for arn in [${functionArns.join(", ")}] : [arn, "\${arn}:*"]])`,
    },
  ];
}

/** The scheduler's role: start executions of the pipeline's state machines only. */
export function schedulerPolicy(stateMachineArns: string): PolicyStatementSpec[] {
  return [{ sid: "StartPipelineExecutions", actions: ["states:StartExecution"], resources: stateMachineArns }];
}

/** References for the AWS Backup role's policy. */
export interface BackupPolicyRefs {
  /** List of the protected tables' ARNs. */
  readonly tableArns: string;
  /** List of the destination vault ARN (empty when there is no copy). */
  readonly copyVaultArns: string;
  /** List of the tables' customer-managed KMS key ARN (empty with the AWS-owned key). */
  readonly tableKmsKeyArns: string;
  /** ARN of the module's own vault. */
  readonly vaultArn: string;
}

/** The AWS Backup service role: back up the selected tables, copy their recovery points, nothing else. */
export function backupPolicy(refs: BackupPolicyRefs): PolicyStatementSpec[] {
  return [
    {
      sid: "BackUpTables",
      actions: [
        "dynamodb:CreateBackup",
        "dynamodb:DescribeTable",
        "dynamodb:ListTagsOfResource",
        "dynamodb:StartAwsBackupJob",
      ],
      resources: refs.tableArns,
    },
    {
      sid: "ManageRecoveryPoints",
      actions: ["dynamodb:DescribeBackup", "dynamodb:DeleteBackup"],
      resources: `[for arn in ${refs.tableArns} : "\${arn}/backup/*"]`,
    },
    {
      sid: "CopyRecoveryPoints",
      actions: ["backup:CopyIntoBackupVault", "backup:DescribeBackupVault"],
      resources: `concat([${refs.vaultArn}], ${refs.copyVaultArns})`,
    },
    {
      sid: "UseTableKey",
      actions: ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
      resources: refs.tableKmsKeyArns,
      when: `length(${refs.tableKmsKeyArns}) > 0`,
    },
  ];
}
