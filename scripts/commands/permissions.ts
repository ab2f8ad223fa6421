/**
 * The AWS permissions each `dynamo-dr` command needs: printed by `--help`, rendered into the README, and checked by
 * test/dr/permissions.moto.test.ts (every AWS call a command makes in a real run is covered; every action is a real
 * IAM action). Give the identity that runs the commands at 3 a.m. these, scoped to the resources named, before you need them.
 */
import type { CommandPermissions } from "../../lib/cli/command";

/** What AWS needs on the table a restore creates: it writes the restored data with the caller's permissions. */
const RESTORE_TARGET_ACTIONS = [
  "dynamodb:BatchWriteItem",
  "dynamodb:DeleteItem",
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "dynamodb:UpdateItem",
] as const;

/** A table encrypted with a customer managed key keeps it when restored (AWS's requirements for using the key). */
const CMK_TABLE_ACTIONS = [
  "kms:CreateGrant",
  "kms:Decrypt",
  "kms:DescribeKey",
  "kms:Encrypt",
  "kms:GenerateDataKey",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
] as const;

/** ImportTable into a new table (restore-files --via import-table, rebuild --import-into). */
function importTableGroups(when: string): CommandPermissions["groups"] {
  return [
    {
      actions: [
        "dynamodb:DescribeImport",
        "dynamodb:DescribeTable",
        "dynamodb:ImportTable",
        "dynamodb:UpdateTable",
        "dynamodb:UpdateTimeToLive",
      ],
      on: "the new table (and its import)",
      when,
    },
    {
      actions: [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:DescribeLogGroups",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
        "logs:PutRetentionPolicy",
      ],
      on: "arn:aws:logs:<region>:<account>:log-group:/aws-dynamodb/*",
      when: `${when} (DynamoDB logs failed items there with your permissions)`,
    },
  ];
}

/** Restoring AWS Backup recovery points (StartRestoreJob passes the backup role to AWS Backup). */
const AWS_BACKUP_RESTORE = [
  {
    actions: ["backup:DescribeBackupVault", "backup:ListRecoveryPointsByBackupVault"],
    on: "the vault (the module's <prefix>-dynamodb, or --vault)",
    when: "--backup-type AWS_BACKUP",
  },
  {
    actions: ["backup:StartRestoreJob", "backup:DescribeRestoreJob", "dynamodb:RestoreTableFromAwsBackup"],
    on: "the recovery points",
    when: "--backup-type AWS_BACKUP",
  },
  {
    actions: ["iam:PassRole"],
    on: "the backup role (<prefix>-ddb-backup, or --iam-role-arn)",
    when: "--backup-type AWS_BACKUP",
  },
] as const;

const TERRAFORM_NOTE = "--execute also runs terraform, which needs the permissions your terraform plans already need.";

const PERMISSIONS = {
  "import-restored-table": {
    groups: [
      {
        actions: ["dynamodb:DescribeTable"],
        on: "the restored table",
        when: "--execute (printing the steps needs no AWS access)",
      },
    ],
    note: TERRAFORM_NOTE,
  },
  "restore-pitr": {
    groups: [
      {
        actions: ["dynamodb:DescribeContinuousBackups", "dynamodb:DescribeTable", "dynamodb:RestoreTableToPointInTime"],
        on: "the source table",
      },
      { actions: ["dynamodb:DescribeTable", ...RESTORE_TARGET_ACTIONS], on: "the target (restored) table" },
      { actions: CMK_TABLE_ACTIONS, on: "the table's KMS key", when: "the table uses a customer managed key" },
    ],
    note: TERRAFORM_NOTE,
  },
  "restore-backups": {
    groups: [
      { actions: ["dynamodb:ListBackups"], on: "* (ListBackups takes no resource)" },
      { actions: ["dynamodb:DescribeBackup", "dynamodb:RestoreTableFromBackup"], on: "the backups" },
      { actions: ["dynamodb:DescribeTable", ...RESTORE_TARGET_ACTIONS], on: "the tables it restores (original names)" },
      { actions: CMK_TABLE_ACTIONS, on: "the tables' KMS key", when: "the tables use a customer managed key" },
      ...AWS_BACKUP_RESTORE,
    ],
    note: TERRAFORM_NOTE,
  },
  backup: {
    groups: [
      { actions: ["dynamodb:DescribeTable", "dynamodb:DescribeTimeToLive", "dynamodb:Scan"], on: "the table" },
      {
        actions: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
        on: "arn:aws:s3:::<bucket>/<prefix>/*",
        when: "--out s3://…",
      },
      { actions: ["s3:ListBucket"], on: "arn:aws:s3:::<bucket> (prefix-scoped)", when: "--out s3://…" },
      { actions: ["kms:Decrypt", "kms:GenerateDataKey"], on: "the bucket's KMS key", when: "the bucket uses SSE-KMS" },
    ],
  },
  "restore-files": {
    groups: [
      {
        actions: ["dynamodb:BatchWriteItem", "dynamodb:DescribeTable", "dynamodb:Scan"],
        on: "the target table (Scan reads one item: is an existing table empty?)",
      },
      {
        actions: ["dynamodb:CreateTable", "dynamodb:UpdateTimeToLive"],
        on: "the target table",
        when: "--create-table",
      },
      {
        actions: ["dynamodb:DeleteTable"],
        on: "the table it created",
        when: "--create-table, and the restore failed while that table was still empty (it is removed)",
      },
      { actions: ["s3:GetObject"], on: "arn:aws:s3:::<bucket>/<prefix>/*", when: "the source is s3://…" },
      { actions: ["s3:ListBucket"], on: "arn:aws:s3:::<bucket> (prefix-scoped)", when: "the source is s3://…" },
      { actions: ["kms:Decrypt"], on: "the bucket's KMS key", when: "the bucket uses SSE-KMS" },
      ...importTableGroups("--via import-table"),
    ],
  },
  verify: {
    groups: [
      { actions: ["s3:GetObject"], on: "arn:aws:s3:::<bucket>/<prefix>/*", when: "the source is s3://…" },
      { actions: ["s3:ListBucket"], on: "arn:aws:s3:::<bucket> (prefix-scoped)", when: "the source is s3://…" },
      { actions: ["kms:Decrypt"], on: "the bucket's KMS key", when: "the bucket uses SSE-KMS" },
      { actions: ["dynamodb:DescribeTable", "dynamodb:Scan"], on: "the table", when: "--table" },
    ],
  },
  history: {
    groups: [
      {
        actions: ["s3:GetObject"],
        on: "arn:aws:s3:::<bucket>/* (reads exports/<CatalogName>/, changes/<CatalogName>/, state/)",
      },
      { actions: ["s3:ListBucket"], on: "arn:aws:s3:::<bucket> (prefix-scoped)" },
      { actions: ["kms:Decrypt"], on: "the bucket's KMS key", when: "the bucket uses SSE-KMS" },
      { actions: ["dynamodb:DescribeContinuousBackups"], on: "the table <prefix>-<CatalogName>", when: "--prefix" },
    ],
  },
  rebuild: {
    groups: [
      {
        actions: ["s3:GetObject"],
        on: "arn:aws:s3:::<bucket>/* (reads exports/<CatalogName>/, changes/<CatalogName>/, state/)",
      },
      { actions: ["s3:ListBucket"], on: "arn:aws:s3:::<bucket> (prefix-scoped)" },
      {
        actions: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
        on: "arn:aws:s3:::<out-bucket>/<prefix>/*",
        when: "--out s3://…",
      },
      { actions: ["s3:ListBucket"], on: "arn:aws:s3:::<out-bucket> (prefix-scoped)", when: "--out s3://…" },
      { actions: ["kms:Decrypt", "kms:GenerateDataKey"], on: "the buckets' KMS keys", when: "a bucket uses SSE-KMS" },
      {
        actions: ["athena:StartQueryExecution", "athena:GetQueryExecution"],
        on: "the workgroup arn:aws:athena:<region>:<account>:workgroup/<prefix>-ddb-history (or --workgroup)",
        when: "--engine athena",
      },
      {
        actions: ["glue:GetDatabase", "glue:GetTable"],
        on: "the Glue catalog, database <prefix>_ddb_history (or --database) and its tables",
        when: "--engine athena (Athena reads the tables' definitions as you; partition projection needs no partition calls)",
      },
      {
        actions: ["s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket", "s3:PutObject", "s3:AbortMultipartUpload"],
        on: "the backup bucket: exports/, changes/ read; athena-results/ and --out written",
        when: "--engine athena (Athena reads and writes S3 as you)",
      },
      {
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        on: "the backup bucket's KMS key (the workgroup encrypts results with it)",
        when: "--engine athena",
      },
      ...importTableGroups("--import-into"),
    ],
    note: "A local folder mirroring the bucket (--bucket file:///path) needs no AWS access.",
  },
  recover: {
    groups: [
      {
        actions: ["dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups", "dynamodb:RestoreTableToPointInTime"],
        on: "the source table",
      },
      { actions: ["dynamodb:ListBackups"], on: "* (ListBackups takes no resource)" },
      { actions: ["dynamodb:DescribeBackup", "dynamodb:RestoreTableFromBackup"], on: "the table's backups" },
      { actions: ["backup:DescribeBackupVault"], on: "the vault (the module's <prefix>-dynamodb, or --vault)" },
      {
        actions: ["backup:ListRecoveryPointsByBackupVault"],
        on: "the vault",
        when: "the vault exists",
      },
      {
        actions: ["backup:StartRestoreJob", "backup:DescribeRestoreJob", "dynamodb:RestoreTableFromAwsBackup"],
        on: "the recovery points",
        when: "an AWS Backup recovery point is restored",
      },
      { actions: ["iam:PassRole"], on: "the backup role", when: "an AWS Backup recovery point is restored" },
      {
        actions: ["dynamodb:DescribeTable", "dynamodb:Scan", ...RESTORE_TARGET_ACTIONS],
        on: "the new (restored) table (Scan counts its items)",
      },
      { actions: CMK_TABLE_ACTIONS, on: "the table's KMS key", when: "the table uses a customer managed key" },
      {
        actions: ["s3:GetObject", "s3:ListBucket"],
        on: "arn:aws:s3:::<bucket> and /* (reads exports/<CatalogName>/, changes/<CatalogName>/, state/)",
        when: "--bucket",
      },
      {
        actions: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
        on: "arn:aws:s3:::<bucket>/rebuilds/<CatalogName>/*",
        when: "the history is restored (the rebuild is written there)",
      },
      ...importTableGroups("the history is restored"),
      {
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        on: "the bucket's KMS key",
        when: "--bucket, and the bucket uses SSE-KMS",
      },
    ],
    note: `${TERRAFORM_NOTE} --then runs your command with your own credentials.`,
  },
  snapshot: {
    groups: [
      { actions: ["dynamodb:DescribeTable"], on: "the tables" },
      {
        actions: ["backup:DescribeBackupVault"],
        on: "the vault (the module's <prefix>-dynamodb, or --vault)",
        when: "always (a missing vault means on-demand backups)",
      },
      {
        actions: ["backup:StartBackupJob", "backup:DescribeBackupJob", "backup:TagResource"],
        on: "the vault and the tables",
        when: "the vault exists",
      },
      {
        actions: ["iam:PassRole"],
        on: "the backup role (<prefix>-ddb-backup, or --iam-role-arn)",
        when: "the vault exists",
      },
      {
        actions: ["dynamodb:CreateBackup", "dynamodb:DescribeBackup"],
        on: "the tables and their backups",
        when: "there is no vault (on-demand backups)",
      },
      {
        actions: ["dynamodb:ListBackups"],
        on: "* (ListBackups takes no resource)",
        when: "snapshot prune",
      },
      { actions: ["dynamodb:DeleteBackup"], on: "the expired snapshots", when: "snapshot prune --yes" },
    ],
    note: "AWS Backup itself needs its service role to back up the tables (the module's role has it).",
  },
  runbook: {
    groups: [
      {
        actions: ["dynamodb:DescribeContinuousBackups", "dynamodb:DescribeTable"],
        on: "the deployment's tables",
      },
      { actions: ["dynamodb:ListBackups"], on: "* (ListBackups takes no resource)" },
      {
        actions: ["s3:GetObject"],
        on: "arn:aws:s3:::<bucket>/state/*",
        when: "--bucket (the verified-export pointers and capture coverage)",
      },
      { actions: ["kms:Decrypt"], on: "the bucket's KMS key", when: "--bucket" },
    ],
    note: "--chdir also runs `terraform state pull`, which needs read access to your Terraform state backend.",
  },
  rehearse: {
    groups: [
      {
        actions: ["dynamodb:ListTables", "s3:ListAllMyBuckets"],
        on: "* (the guard: nothing named rehearsal-<…> may exist that the rehearsal did not create)",
        when: "--target aws",
      },
      {
        actions: [
          "dynamodb:BatchWriteItem",
          "dynamodb:PutItem",
          "dynamodb:DeleteItem",
          "dynamodb:Scan",
          "dynamodb:DescribeTable",
          "dynamodb:ListBackups",
          "dynamodb:DeleteBackup",
          "dynamodb:UpdateTable",
          "dynamodb:DeleteTable",
        ],
        on: "tables named rehearsal-<…>-* and their backups (the data set, the disasters, the checks, the teardown)",
        when: "--target aws",
      },
      {
        actions: ["dynamodb:DescribeStream", "dynamodb:GetShardIterator", "dynamodb:GetRecords"],
        on: "arn:aws:dynamodb:<region>:<account>:table/rehearsal-<…>-*/stream/* (to know when the capture function has delivered the whole stream)",
        when: "--target aws, history scenario",
      },
      {
        actions: ["s3:ListBucket", "s3:ListBucketVersions", "s3:DeleteObject", "s3:DeleteObjectVersion"],
        on: "the rehearsal's backup bucket arn:aws:s3:::rehearsal-<…>-ddb-backups-* and its objects (the wait for deliveries; emptied at the teardown)",
        when: "--target aws, history scenario",
      },
    ],
    note: "--target local needs no AWS account (moto on loopback). --target aws also needs what terraform needs to apply and destroy the module, and the permissions of snapshot, recover, restore-backups and import-restored-table above (history: also backup and recover's history path), on rehearsal-* resources only.",
  },
} as const satisfies Record<string, CommandPermissions>;

export type PermissionedCommand = keyof typeof PERMISSIONS;

/** Every command's permissions, by command name. */
export const COMMAND_PERMISSIONS: Readonly<Record<PermissionedCommand, CommandPermissions>> = PERMISSIONS;

/** The IAM action an SDK operation ("S3.HeadObject") is authorized by (AWS's Service Authorization Reference). */
export function iamActionOf(operation: string): string {
  const [service, name] = operation.split(".") as [string, string];
  if (service === "S3") {
    const S3_ACTIONS: Readonly<Record<string, string>> = {
      HeadObject: "s3:GetObject",
      GetObject: "s3:GetObject",
      PutObject: "s3:PutObject",
      CreateMultipartUpload: "s3:PutObject",
      UploadPart: "s3:PutObject",
      CompleteMultipartUpload: "s3:PutObject",
      AbortMultipartUpload: "s3:AbortMultipartUpload",
      ListObjectsV2: "s3:ListBucket",
      HeadBucket: "s3:ListBucket",
      DeleteObject: "s3:DeleteObject",
      DeleteObjects: "s3:DeleteObject",
    };
    return S3_ACTIONS[name] ?? `s3:${name}`;
  }
  return `${service.toLowerCase()}:${name}`;
}
