/**
 * The AWS Backup calls the DR commands make (StartBackupJob, DescribeBackupJob, StartRestoreJob, DescribeRestoreJob,
 * ListRecoveryPointsByBackupVault, ListRecoveryPointsByResource, DeleteRecoveryPoint, DescribeBackupVault), through
 * `@aws-sdk/client-backup` with the standard configuration like every other client (AWS_REGION, AWS_PROFILE,
 * AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_BACKUP, AWS_MAX_ATTEMPTS). Callers use only the functions below; the types are the
 * few fields they read.
 *
 * Errors are the SDK's, marked with the operation ("Backup.StartRestoreJob") by lib/aws.ts, so lib/cli/aws-errors.ts
 * reports them like any other refused call.
 */
import {
  BackupClient as SdkBackupClient,
  CreateBackupVaultCommand,
  DeleteRecoveryPointCommand,
  DescribeBackupJobCommand,
  DescribeBackupVaultCommand,
  DescribeRestoreJobCommand,
  paginateListRecoveryPointsByBackupVault,
  paginateListRecoveryPointsByResource,
  StartBackupJobCommand,
  StartRestoreJobCommand,
} from "@aws-sdk/client-backup";
import { annotateErrors } from "./aws";

export interface RecoveryPoint {
  readonly RecoveryPointArn: string;
  readonly BackupVaultName?: string;
  readonly BackupVaultArn?: string;
  readonly ResourceArn?: string;
  readonly ResourceType?: string;
  readonly ResourceName?: string;
  /** COMPLETED | PARTIAL | DELETING | EXPIRED | AVAILABLE | STOPPED | CREATING */
  readonly Status?: string;
  readonly CreationDate?: Date;
  readonly CompletionDate?: Date;
  readonly BackupSizeInBytes?: number;
  readonly Lifecycle?: { readonly DeleteAfterDays?: number };
  readonly CalculatedLifecycle?: { readonly DeleteAt?: Date };
}

export interface BackupJob {
  readonly BackupJobId: string;
  /** CREATED | PENDING | RUNNING | ABORTING | ABORTED | COMPLETED | FAILED | EXPIRED | PARTIAL */
  readonly State?: string;
  readonly StatusMessage?: string;
  readonly RecoveryPointArn?: string;
  readonly ResourceArn?: string;
  readonly BackupVaultName?: string;
  readonly CreationDate?: Date;
  readonly CompletionDate?: Date;
}

export interface RestoreJob {
  readonly RestoreJobId: string;
  /** PENDING | RUNNING | COMPLETED | ABORTED | FAILED */
  readonly Status?: string;
  readonly StatusMessage?: string;
  readonly CreatedResourceArn?: string;
  readonly RecoveryPointArn?: string;
}

export interface BackupClientOptions {
  readonly region: string;
  /** @default AWS_ENDPOINT_URL_BACKUP ?? AWS_ENDPOINT_URL ?? AWS's own endpoint for the region (the SDK's rule) */
  readonly endpoint?: string;
}

/** An AWS Backup client bound to one region (the region is read synchronously to build ARNs). */
export class BackupClient {
  readonly region: string;
  readonly sdk: SdkBackupClient;

  constructor(opts: BackupClientOptions) {
    this.region = opts.region;
    this.sdk = annotateErrors(
      new SdkBackupClient({ region: opts.region, ...(opts.endpoint === undefined ? {} : { endpoint: opts.endpoint }) }),
    );
  }
}

export function isBackupNotFound(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name;
  return name === "ResourceNotFoundException";
}

/** DescribeBackupVault, or undefined when there is no such vault. */
export async function describeBackupVault(
  c: BackupClient,
  vaultName: string,
): Promise<{ BackupVaultName: string; BackupVaultArn: string } | undefined> {
  try {
    const v = await c.sdk.send(new DescribeBackupVaultCommand({ BackupVaultName: vaultName }));
    return { BackupVaultName: v.BackupVaultName ?? vaultName, BackupVaultArn: v.BackupVaultArn ?? "" };
  } catch (err) {
    if (isBackupNotFound(err)) return undefined;
    throw err;
  }
}

/** CreateBackupVault (tests and the rehearsal make the module's vault with it). */
export async function createBackupVault(c: BackupClient, vaultName: string): Promise<void> {
  await c.sdk.send(new CreateBackupVaultCommand({ BackupVaultName: vaultName }));
}

export interface StartBackupJobInput {
  readonly BackupVaultName: string;
  readonly ResourceArn: string;
  readonly IamRoleArn: string;
  readonly Lifecycle?: { readonly DeleteAfterDays: number };
  readonly RecoveryPointTags?: Readonly<Record<string, string>>;
  readonly IdempotencyToken?: string;
}

export async function startBackupJob(
  c: BackupClient,
  input: StartBackupJobInput,
): Promise<{ BackupJobId: string; RecoveryPointArn?: string; CreationDate?: Date }> {
  const out = await c.sdk.send(
    new StartBackupJobCommand({
      ...input,
      Lifecycle: input.Lifecycle === undefined ? undefined : { ...input.Lifecycle },
      RecoveryPointTags: input.RecoveryPointTags === undefined ? undefined : { ...input.RecoveryPointTags },
    }),
  );
  return { BackupJobId: out.BackupJobId ?? "", RecoveryPointArn: out.RecoveryPointArn, CreationDate: out.CreationDate };
}

export async function describeBackupJob(c: BackupClient, id: string): Promise<BackupJob> {
  const job = await c.sdk.send(new DescribeBackupJobCommand({ BackupJobId: id }));
  return { ...job, BackupJobId: job.BackupJobId ?? id };
}

export interface StartRestoreJobInput {
  readonly RecoveryPointArn: string;
  readonly IamRoleArn: string;
  readonly ResourceType: "DynamoDB";
  /** DynamoDB restore metadata: targetTableName, encryptionType (Default | KMS), kmsMasterKeyArn. */
  readonly Metadata: Readonly<Record<string, string>>;
}

export async function startRestoreJob(c: BackupClient, input: StartRestoreJobInput): Promise<{ RestoreJobId: string }> {
  const out = await c.sdk.send(new StartRestoreJobCommand({ ...input, Metadata: { ...input.Metadata } }));
  return { RestoreJobId: out.RestoreJobId ?? "" };
}

export async function describeRestoreJob(c: BackupClient, id: string): Promise<RestoreJob> {
  const job = await c.sdk.send(new DescribeRestoreJobCommand({ RestoreJobId: id }));
  return { ...job, RestoreJobId: job.RestoreJobId ?? id };
}

/** Every recovery point in the vault (of one resource when `resourceArn` is given). */
export async function listRecoveryPointsByVault(
  c: BackupClient,
  vaultName: string,
  resourceArn?: string,
): Promise<RecoveryPoint[]> {
  const out: RecoveryPoint[] = [];
  const pages = paginateListRecoveryPointsByBackupVault(
    { client: c.sdk },
    { BackupVaultName: vaultName, ByResourceType: "DynamoDB", ByResourceArn: resourceArn },
  );
  for await (const page of pages) {
    for (const p of page.RecoveryPoints ?? []) {
      if (p.RecoveryPointArn === undefined) continue;
      // Filtered here as well as in the request: a point of another table must never be taken for this one's.
      if (resourceArn !== undefined && p.ResourceArn !== resourceArn) continue;
      out.push({ ...p, RecoveryPointArn: p.RecoveryPointArn });
    }
  }
  return out;
}

/** Every recovery point of one resource, in any vault of this region. */
export async function listRecoveryPointsByResource(c: BackupClient, resourceArn: string): Promise<RecoveryPoint[]> {
  const out: RecoveryPoint[] = [];
  for await (const page of paginateListRecoveryPointsByResource({ client: c.sdk }, { ResourceArn: resourceArn })) {
    for (const p of page.RecoveryPoints ?? []) {
      if (p.RecoveryPointArn !== undefined) out.push({ ...p, RecoveryPointArn: p.RecoveryPointArn });
    }
  }
  return out;
}

export async function deleteRecoveryPoint(c: BackupClient, vaultName: string, arn: string): Promise<void> {
  await c.sdk.send(new DeleteRecoveryPointCommand({ BackupVaultName: vaultName, RecoveryPointArn: arn }));
}
