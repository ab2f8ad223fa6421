/**
 * Least-privilege policies of restore testing, as plain data (the constructs turn them into policy documents; the
 * tests check every action against AWS's published list): the role AWS Backup restores and deletes the test tables
 * with, and the validation Lambda's role.
 *
 * AWS Backup names the tables it restores for a test itself, so the restored tables are matched by a table ARN
 * pattern of the account and region, not by name. PutRestoreValidationResult and DescribeRestoreJob have no resource
 * type in IAM: their statement names `*` as resource (never as action).
 */
import { EXPORTS_PREFIX, STATE_PREFIX } from "../pipeline/config";
import type { PolicyStatementSpec } from "../pipeline/iam";

/** References (HCL expressions without `${}`, resources as list expressions) the policies are scoped to. */
export interface RestoreTestingPolicyRefs {
  /** List of the restore-tested (source) tables' ARNs. */
  readonly tableArns: string;
  /** ARN pattern (a Terraform template string) of the account's tables in the region: `arn:…:table/*`. */
  readonly restoredTableArnPattern: string;
  /** List of the tables' customer-managed KMS key ARN (empty with the AWS-owned key). */
  readonly tableKmsKeyArns: string;
  readonly bucketArn: string;
  /** The backup bucket's key (exports and the alarm topic). */
  readonly kmsKeyArn: string;
  readonly topicArn: string;
}

/** The role AWS Backup assumes to restore a recovery point into a test table and to delete it afterwards. */
export function restoreTestingRolePolicy(refs: RestoreTestingPolicyRefs): PolicyStatementSpec[] {
  return [
    {
      sid: "RestoreTestTables",
      actions: [
        "dynamodb:BatchWriteItem",
        "dynamodb:CreateTable",
        "dynamodb:DeleteTable",
        "dynamodb:DescribeTable",
        "dynamodb:PutItem",
        "dynamodb:RestoreTableFromAwsBackup",
        "dynamodb:RestoreTableFromBackup",
        "dynamodb:UpdateItem",
      ],
      resources: `["${refs.restoredTableArnPattern}"]`,
    },
    {
      sid: "RestoreFromTableBackups",
      actions: ["dynamodb:RestoreTableFromBackup"],
      resources: `[for arn in ${refs.tableArns} : "\${arn}/backup/*"]`,
    },
    {
      sid: "UseTableKey",
      actions: ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
      resources: refs.tableKmsKeyArns,
      when: `length(${refs.tableKmsKeyArns}) > 0`,
    },
  ];
}

/** The validation Lambda: read the restored tables, the exports and pointers; report; alert; its own logs. */
export function validationFunctionPolicy(refs: RestoreTestingPolicyRefs, logGroupArn: string): PolicyStatementSpec[] {
  const objects = (...prefixes: string[]): string =>
    `[${prefixes.map((p) => `"\${${refs.bucketArn}}/${p}/*"`).join(", ")}]`;
  return [
    {
      sid: "ReadRestoredTables",
      actions: ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Scan"],
      resources: `["${refs.restoredTableArnPattern}"]`,
    },
    { sid: "ReadExportsAndPointers", actions: ["s3:GetObject"], resources: objects(EXPORTS_PREFIX, STATE_PREFIX) },
    {
      sid: "ListOwnPrefixes",
      actions: ["s3:ListBucket"],
      resources: `[${refs.bucketArn}]`,
      conditions: [{ test: "StringLike", variable: "s3:prefix", values: [`${EXPORTS_PREFIX}/*`, `${STATE_PREFIX}/*`] }],
    },
    // Decrypt the exports; the alarm topic is encrypted with the same key (publishers need GenerateDataKey).
    { sid: "UseBackupKey", actions: ["kms:Decrypt", "kms:GenerateDataKey"], resources: `[${refs.kmsKeyArn}]` },
    {
      sid: "ReportValidation",
      actions: ["backup:DescribeRestoreJob", "backup:PutRestoreValidationResult"],
      resources: `["*"]`,
    },
    { sid: "AlertFailures", actions: ["sns:Publish"], resources: `[${refs.topicArn}]` },
    {
      sid: "WriteOwnLogs",
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resources: `["\${${logGroupArn}}:*"]`,
    },
  ];
}
