/**
 * The AWS Backup vault a DR command reads recovery points from or writes snapshots to: the module's vault
 * (`<base>-dynamodb`, lib/recover/module-names.ts) unless --vault names another (a copy vault in another region, with
 * --region), and the role AWS Backup acts with (the module's `<base>-ddb-backup` unless --iam-role-arn).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BackupClient, describeBackupVault } from "../aws-backup";
import { NotFoundError } from "../errors";
import type { VaultRef } from "../dr/backup-restore";
import { moduleBackupRoleName, moduleVaultName, roleArnLike } from "./module-names";

export interface AwsBackupTarget {
  /** @default the module's vault, `<base>-dynamodb` */
  readonly vault?: string;
  /** @default the client's region (AWS_REGION) */
  readonly region?: string;
  /** @default the module's backup role, `<base>-ddb-backup`, in the vault's account */
  readonly iamRoleArn?: string;
}

export interface OpenVault {
  readonly ref: VaultRef;
  readonly roleArn: string;
}

/** The region a DynamoDB client talks to (its configured region). */
async function regionOf(client: DynamoDBClient): Promise<string> {
  return client.config.region();
}

/** The vault to use, checked to exist (DescribeBackupVault). */
export async function openVault(client: DynamoDBClient, prefix: string, target: AwsBackupTarget): Promise<OpenVault> {
  const region = target.region ?? (await regionOf(client));
  const bc = new BackupClient({ region });
  const name = target.vault ?? moduleVaultName(prefix);
  const found = await describeBackupVault(bc, name);
  if (found === undefined) {
    throw new NotFoundError(
      `AWS Backup vault "${name}" does not exist in ${region}; ${target.vault === undefined ? `the module makes it when enable_backup_plan is true (check --prefix), or name a vault with --vault` : "check --vault and --region"} (aws backup list-backup-vaults --region ${region})`,
    );
  }
  return {
    ref: { client: bc, name, arn: found.BackupVaultArn },
    roleArn: target.iamRoleArn ?? roleArnLike(found.BackupVaultArn, moduleBackupRoleName(prefix)),
  };
}

/** The vault if it exists, else undefined (snapshot falls back to CreateBackup). */
export async function findVault(
  client: DynamoDBClient,
  prefix: string,
  target: AwsBackupTarget,
): Promise<OpenVault | undefined> {
  try {
    return await openVault(client, prefix, target);
  } catch (err) {
    if (err instanceof NotFoundError && target.vault === undefined) return undefined;
    throw err;
  }
}
