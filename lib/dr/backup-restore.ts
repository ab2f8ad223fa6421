/**
 * Full-deployment restore: for each catalog table, the newest available backup of the chosen type, restored to
 * the table's own name. SYSTEM backups are the ones AWS makes when a table with PITR is deleted
 * (`<table>$DeletedTableBackup`); USER backups are on-demand ones.
 */
import {
  BackupSummary,
  DescribeBackupCommand,
  DynamoDBClient,
  ListBackupsCommand,
  RestoreTableFromBackupCommand,
  RestoreTableFromBackupCommandInput,
} from "@aws-sdk/client-dynamodb";
import { TableCatalog, physicalTableName } from "../catalog";
import { PreconditionError } from "../errors";
import { sseOverride } from "./pitr-restore";
import { describeTable } from "../table-io/tables";

export const BACKUP_TYPE_CHOICES = ["SYSTEM", "USER", "ALL"] as const;
export type BackupTypeChoice = (typeof BACKUP_TYPE_CHOICES)[number];

/**
 * The newest AVAILABLE backup of `tableName` of the given type, or undefined. The type is filtered here as well as
 * in the request, so a server that ignores the request filter cannot hand back the wrong kind of backup.
 */
export async function newestBackup(
  client: DynamoDBClient,
  tableName: string,
  type: BackupTypeChoice,
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
      if (best === undefined || t > (best.BackupCreationDateTime?.getTime() ?? 0)) best = b;
    }
    start = page.LastEvaluatedBackupArn;
  } while (start !== undefined);
  return best;
}

export interface BackupRef {
  readonly arn: string;
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

/** Read-only survey of every catalog table: exists, restorable (with the backup to use), or lost. */
export async function surveyDeployment(
  client: DynamoDBClient,
  catalog: TableCatalog,
  prefix: string,
  type: BackupTypeChoice,
  nameOverrides: Readonly<Record<string, string>> = {},
): Promise<DeploymentTable[]> {
  return Promise.all(
    catalog.tables.map(async (t): Promise<DeploymentTable> => {
      const tableName = nameOverrides[t.name] ?? physicalTableName(prefix, t.name);
      if ((await describeTable(client, tableName)) !== undefined) {
        return { catalogName: t.name, tableName, status: "exists" };
      }
      const b = await newestBackup(client, tableName, type);
      if (b?.BackupArn === undefined) return { catalogName: t.name, tableName, status: "no-backup" };
      return {
        catalogName: t.name,
        tableName,
        status: "restore",
        backup: {
          arn: b.BackupArn,
          name: b.BackupName,
          type: b.BackupType,
          created: b.BackupCreationDateTime?.toISOString(),
        },
      };
    }),
  );
}

/** The RestoreTableFromBackup request: original name, and the encryption the backup's table had when known. */
export async function backupRestoreInput(
  client: DynamoDBClient,
  table: DeploymentTable,
): Promise<RestoreTableFromBackupCommandInput> {
  if (table.backup === undefined) throw new Error(`no backup for ${table.tableName}`);
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
