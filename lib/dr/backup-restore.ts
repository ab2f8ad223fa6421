/**
 * Full-deployment restore: for each catalog table, the newest available backup of the chosen type, restored to
 * the table's own name. SYSTEM backups are the ones AWS makes when a table with PITR is deleted
 * (`<table>$DeletedTableBackup`); USER backups are on-demand ones; AWS_BACKUP are the recovery points in an AWS Backup
 * vault (the module's, or a copy vault in another region), restored with StartRestoreJob.
 */
import {
  BackupSummary,
  DescribeBackupCommand,
  DynamoDBClient,
  ListBackupsCommand,
  RestoreTableFromBackupCommand,
  RestoreTableFromBackupCommandInput,
  SSEDescription,
} from "@aws-sdk/client-dynamodb";
import {
  BackupClient,
  RecoveryPoint,
  StartRestoreJobInput,
  describeRestoreJob,
  listRecoveryPointsByVault,
  startRestoreJob,
} from "../aws-backup";
import { TableCatalog, physicalTableName } from "../catalog";
import { AwsError, PreconditionError } from "../errors";
import { formatDuration } from "../duration";
import { sseOverride } from "./pitr-restore";
import { describeTable } from "../table-io/tables";

export const BACKUP_TYPE_CHOICES = ["SYSTEM", "USER", "ALL", "AWS_BACKUP"] as const;
export type BackupTypeChoice = (typeof BACKUP_TYPE_CHOICES)[number];

/**
 * The newest AVAILABLE backup of `tableName` of the given type, or undefined. The type is filtered here as well as
 * in the request, so a server that ignores the request filter cannot hand back the wrong kind of backup.
 */
export async function newestBackup(
  client: DynamoDBClient,
  tableName: string,
  type: Exclude<BackupTypeChoice, "AWS_BACKUP">,
  notAfter?: Date,
): Promise<BackupSummary | undefined> {
  let best: BackupSummary | undefined;
  let start: string | undefined;
  do {
    const page = await client.send(
      new ListBackupsCommand({ TableName: tableName, BackupType: type, ExclusiveStartBackupArn: start }),
    );
    for (const b of page.BackupSummaries ?? []) {
      if (b.TableName !== undefined && b.TableName !== tableName) continue;
      if (b.BackupStatus !== "AVAILABLE") continue;
      if (type !== "ALL" && b.BackupType !== type) continue;
      const t = b.BackupCreationDateTime?.getTime() ?? 0;
      if (notAfter !== undefined && t > notAfter.getTime()) continue;
      if (best === undefined || t > (best.BackupCreationDateTime?.getTime() ?? 0)) best = b;
    }
    start = page.LastEvaluatedBackupArn;
  } while (start !== undefined);
  return best;
}

export interface BackupRef {
  /** The DynamoDB backup ARN, or the AWS Backup recovery point ARN (`source` "aws-backup"). */
  readonly arn: string;
  /** @default "dynamodb" */
  readonly source?: "dynamodb" | "aws-backup";
  /** The vault holding the recovery point (aws-backup only). */
  readonly vault?: string;
  readonly name?: string;
  readonly type?: string;
  readonly created?: string;
}

export interface DeploymentTable {
  readonly catalogName: string;
  readonly tableName: string;
  /** `restore`: missing and a backup exists; `exists`: the table is there (skipped); `no-backup`: missing, nothing to restore. */
  readonly status: "restore" | "exists" | "no-backup";
  readonly backup?: BackupRef;
}

/** Where AWS_BACKUP recovery points are looked for: a vault in the client's region, and its ARN (for the account). */
export interface VaultRef {
  readonly client: BackupClient;
  readonly name: string;
  readonly arn: string;
}

/** `arn:<partition>:dynamodb:<region>:<account>:table/<name>` in the vault's account and the client's region. */
export function tableArnInVaultAccount(vault: VaultRef, tableName: string): string {
  const [, partition = "aws", , , account = ""] = vault.arn.split(":");
  return `arn:${partition}:dynamodb:${vault.client.region}:${account}:table/${tableName}`;
}

/** The newest COMPLETED recovery point of the table in the vault (created at or before `notAfter` when given). */
export async function newestRecoveryPoint(
  vault: VaultRef,
  tableName: string,
  notAfter?: Date,
): Promise<RecoveryPoint | undefined> {
  const points = await listRecoveryPointsByVault(vault.client, vault.name, tableArnInVaultAccount(vault, tableName));
  let best: RecoveryPoint | undefined;
  for (const p of points) {
    if (p.Status !== "COMPLETED" && p.Status !== "AVAILABLE") continue;
    const t = p.CreationDate?.getTime() ?? 0;
    if (notAfter !== undefined && t > notAfter.getTime()) continue;
    if (best === undefined || t > (best.CreationDate?.getTime() ?? 0)) best = p;
  }
  return best;
}

/** A recovery point as a BackupRef. */
export function recoveryPointRef(vault: VaultRef, p: RecoveryPoint): BackupRef {
  return {
    arn: p.RecoveryPointArn,
    source: "aws-backup",
    vault: vault.name,
    type: "AWS_BACKUP",
    name: p.RecoveryPointArn.split(":").pop(),
    created: p.CreationDate?.toISOString(),
  };
}

async function newestRef(
  client: DynamoDBClient,
  tableName: string,
  type: BackupTypeChoice,
  vault: VaultRef | undefined,
): Promise<BackupRef | undefined> {
  if (type === "AWS_BACKUP") {
    if (vault === undefined) throw new Error("newestRef: AWS_BACKUP needs the vault");
    const p = await newestRecoveryPoint(vault, tableName);
    return p === undefined ? undefined : recoveryPointRef(vault, p);
  }
  const b = await newestBackup(client, tableName, type);
  if (b?.BackupArn === undefined) return undefined;
  return { arn: b.BackupArn, name: b.BackupName, type: b.BackupType, created: b.BackupCreationDateTime?.toISOString() };
}

/** Read-only survey of every catalog table: exists, restorable (with the backup to use), or lost. */
export async function surveyDeployment(
  client: DynamoDBClient,
  catalog: TableCatalog,
  prefix: string,
  type: BackupTypeChoice,
  nameOverrides: Readonly<Record<string, string>> = {},
  vault?: VaultRef,
): Promise<DeploymentTable[]> {
  return Promise.all(
    catalog.tables.map(async (t): Promise<DeploymentTable> => {
      const tableName = nameOverrides[t.name] ?? physicalTableName(prefix, t.name);
      if ((await describeTable(client, tableName)) !== undefined) {
        return { catalogName: t.name, tableName, status: "exists" };
      }
      const backup = await newestRef(client, tableName, type, vault);
      if (backup === undefined) return { catalogName: t.name, tableName, status: "no-backup" };
      return { catalogName: t.name, tableName, status: "restore", backup };
    }),
  );
}

/**
 * The StartRestoreJob request for a DynamoDB recovery point: into `targetName`, encrypted like `sse` (the source
 * table's encryption when known: its KMS key, else the AWS-owned key).
 */
export function restoreJobInput(
  recoveryPointArn: string,
  targetName: string,
  iamRoleArn: string,
  sse: SSEDescription | undefined,
): StartRestoreJobInput {
  const kms = sseOverride(sse);
  return {
    RecoveryPointArn: recoveryPointArn,
    IamRoleArn: iamRoleArn,
    ResourceType: "DynamoDB",
    Metadata: {
      targetTableName: targetName,
      ...(kms.SSEType === "KMS" && kms.KMSMasterKeyId !== undefined
        ? { encryptionType: "KMS", kmsMasterKeyArn: kms.KMSMasterKeyId }
        : { encryptionType: "Default" }),
    },
  };
}

/** How often a restore job is polled. */
const RESTORE_JOB_POLL_MS = 5000;

/**
 * Starts an AWS Backup restore job and waits until AWS Backup says COMPLETED (the table may still be CREATING:
 * wait for it with waitForTableActive). A FAILED or ABORTED job throws with AWS's message.
 */
export async function runRestoreJob(
  bc: BackupClient,
  input: StartRestoreJobInput,
  opts: { readonly timeoutMs: number; readonly pollMs?: number },
): Promise<string> {
  const { RestoreJobId: id } = await startRestoreJob(bc, input);
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const job = await describeRestoreJob(bc, id);
    if (job.Status === "COMPLETED") return id;
    if (job.Status === "FAILED" || job.Status === "ABORTED") {
      throw new AwsError(
        `AWS Backup restore job ${id} of ${input.RecoveryPointArn} into "${input.Metadata.targetTableName}" ${job.Status}: ${job.StatusMessage ?? "no message"} (aws backup describe-restore-job --restore-job-id ${id})`,
      );
    }
    if (Date.now() > deadline) {
      throw new PreconditionError(
        `AWS Backup restore job ${id} still ${job.Status ?? "running"} after ${formatDuration(opts.timeoutMs / 1000)}; it goes on in AWS (aws backup describe-restore-job --restore-job-id ${id}).`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? RESTORE_JOB_POLL_MS));
  }
}

/** The RestoreTableFromBackup request: original name, and the encryption the backup's table had when known. */
export async function backupRestoreInput(
  client: DynamoDBClient,
  table: DeploymentTable,
): Promise<RestoreTableFromBackupCommandInput> {
  if (table.backup === undefined || table.backup.source === "aws-backup") {
    throw new Error(`no DynamoDB backup for ${table.tableName}`);
  }
  const desc = await client.send(new DescribeBackupCommand({ BackupArn: table.backup.arn }));
  const sse = desc.BackupDescription?.SourceTableFeatureDetails?.SSEDescription;
  return {
    TargetTableName: table.tableName,
    BackupArn: table.backup.arn,
    ...(sse === undefined ? {} : { SSESpecificationOverride: sseOverride(sse) }),
  };
}

export async function startBackupRestore(
  client: DynamoDBClient,
  input: RestoreTableFromBackupCommandInput,
): Promise<void> {
  try {
    await client.send(new RestoreTableFromBackupCommand(input));
  } catch (err) {
    if ((err as { name?: string }).name === "TableAlreadyExistsException") {
      throw new PreconditionError(
        `table "${input.TargetTableName}" appeared while restoring (someone else created or restored it); re-run restore-backups to skip it`,
      );
    }
    throw err;
  }
}
