/**
 * What protects each table of one deployment right now, read with describe/list calls only: the table itself, its
 * point-in-time recovery window, its newest on-demand / SYSTEM backup and AWS Backup recovery point (DynamoDB's
 * ListBackups lists both), the pipeline's newest verified exports (lib/pipeline/pointers.ts) and the change-capture
 * coverage file (lib/capture/coverage.ts) when a backup bucket is given.
 */
import {
  DescribeContinuousBackupsCommand,
  ListBackupsCommand,
  type BackupSummary,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { tableAddress } from "../addresses";
import { physicalTableName, type TableCatalog } from "../catalog";
import { readCoverage } from "../capture/coverage";
import { newestBackup } from "../dr/backup-restore";
import { describeTable, isNotFound } from "../table-io/tables";
import { readPointer } from "../pipeline/pointers";
import type { ExportPointer } from "../pipeline/types";

export interface BackupFact {
  readonly arn: string;
  readonly name: string;
  readonly type: string;
  readonly created: string;
}

export interface ExportFact {
  readonly exportType: string;
  readonly exportDir: string;
  readonly dataTime: string;
  readonly itemCount: number;
  readonly verifiedAt: string;
  /** Hours between the export's data time and `now`. */
  readonly ageHours: number;
}

export interface CaptureFact {
  readonly firstHour: string | null;
  readonly lastHour: string | null;
  readonly sealedHours: number;
  readonly failedHours: readonly string[];
}

export interface TableFacts {
  readonly catalogName: string;
  readonly address: string;
  readonly physicalName: string;
  /** Where the physical name came from: the Terraform state (--chdir) or `<prefix>-<CatalogName>`. */
  readonly nameFrom: "terraform-state" | "prefix";
  readonly status: string;
  readonly itemCount?: number;
  readonly pitr: { readonly status: string; readonly earliest?: string; readonly latest?: string };
  readonly latestBackup?: BackupFact;
  readonly latestRecoveryPoint?: BackupFact;
  /** Undefined when no --bucket was given. */
  readonly latestVerifiedExport?: ExportFact | null;
  readonly latestVerifiedFullExport?: ExportFact | null;
  readonly capture?: CaptureFact | null;
}

export interface GatherInput {
  readonly catalog: TableCatalog;
  readonly prefix: string;
  readonly moduleAddress: string;
  /** Catalog name → physical name read from the Terraform state. @default {} */
  readonly stateNames?: Readonly<Record<string, string>>;
  readonly bucket?: string;
  readonly now: Date;
}

function backupFact(b: BackupSummary | undefined): BackupFact | undefined {
  if (b?.BackupArn === undefined) return undefined;
  return {
    arn: b.BackupArn,
    name: b.BackupName ?? "",
    type: b.BackupType ?? "",
    created: b.BackupCreationDateTime?.toISOString() ?? "",
  };
}

/** The newest AWS Backup recovery point of a table (ListBackups with BackupType AWS_BACKUP). */
async function newestRecoveryPoint(ddb: DynamoDBClient, tableName: string): Promise<BackupSummary | undefined> {
  let best: BackupSummary | undefined;
  let start: string | undefined;
  do {
    const page = await ddb.send(
      new ListBackupsCommand({ TableName: tableName, BackupType: "AWS_BACKUP", ExclusiveStartBackupArn: start }),
    );
    for (const b of page.BackupSummaries ?? []) {
      if (b.BackupType !== "AWS_BACKUP" || (b.TableName !== undefined && b.TableName !== tableName)) continue;
      if ((b.BackupCreationDateTime?.getTime() ?? 0) > (best?.BackupCreationDateTime?.getTime() ?? -1)) best = b;
    }
    start = page.LastEvaluatedBackupArn;
  } while (start !== undefined);
  return best;
}

async function pitrFact(ddb: DynamoDBClient, tableName: string): Promise<TableFacts["pitr"]> {
  try {
    const d = (await ddb.send(new DescribeContinuousBackupsCommand({ TableName: tableName })))
      .ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
    return {
      status: d?.PointInTimeRecoveryStatus ?? "DISABLED",
      earliest: d?.EarliestRestorableDateTime?.toISOString(),
      latest: d?.LatestRestorableDateTime?.toISOString(),
    };
  } catch (err) {
    if (isNotFound(err)) return { status: "TABLE MISSING" };
    throw err;
  }
}

function exportFact(p: ExportPointer | undefined, now: Date): ExportFact | null {
  if (p === undefined) return null;
  const ageHours = Math.round(((now.getTime() - Date.parse(p.dataTime)) / 3_600_000) * 10) / 10;
  const { exportType, exportDir, dataTime, itemCount, verifiedAt } = p;
  return { exportType, exportDir, dataTime, itemCount, verifiedAt, ageHours };
}

async function bucketFacts(
  s3: S3Client,
  bucket: string,
  table: string,
  now: Date,
): Promise<Pick<TableFacts, "latestVerifiedExport" | "latestVerifiedFullExport" | "capture">> {
  const [latest, full, cov] = await Promise.all([
    readPointer(s3, bucket, table, "latest-verified"),
    readPointer(s3, bucket, table, "latest-verified-full"),
    readCoverage(s3, bucket, table),
  ]);
  const hours = Object.entries(cov.hours);
  const capture: CaptureFact | null =
    cov.firstHour === null
      ? null
      : {
          firstHour: cov.firstHour,
          lastHour: cov.lastHour,
          sealedHours: hours.filter(([, h]) => h.status === "SEALED").length,
          failedHours: hours.filter(([, h]) => h.status === "FAILED").map(([id]) => id),
        };
  return { latestVerifiedExport: exportFact(latest, now), latestVerifiedFullExport: exportFact(full, now), capture };
}

/** Every catalog table's protection facts, in catalog order. */
export async function gatherFacts(ddb: DynamoDBClient, s3: S3Client, input: GatherInput): Promise<TableFacts[]> {
  const out: TableFacts[] = [];
  for (const spec of input.catalog.tables) {
    const fromState = input.stateNames?.[spec.name];
    const physicalName = fromState ?? physicalTableName(input.prefix, spec.name);
    const table = await describeTable(ddb, physicalName);
    const exists = table !== undefined;
    const [pitr, user, system, rp] = await Promise.all([
      exists ? pitrFact(ddb, physicalName) : Promise.resolve({ status: "TABLE MISSING" }),
      newestBackup(ddb, physicalName, "USER"),
      newestBackup(ddb, physicalName, "SYSTEM"),
      newestRecoveryPoint(ddb, physicalName),
    ]);
    const backup =
      (system?.BackupCreationDateTime?.getTime() ?? -1) > (user?.BackupCreationDateTime?.getTime() ?? -1)
        ? system
        : user;
    out.push({
      catalogName: spec.name,
      address: tableAddress(spec.name, input.moduleAddress),
      physicalName,
      nameFrom: fromState === undefined ? "prefix" : "terraform-state",
      status: table?.TableStatus ?? "MISSING",
      itemCount: table?.ItemCount,
      pitr,
      latestBackup: backupFact(backup),
      latestRecoveryPoint: backupFact(rp),
      ...(input.bucket === undefined ? {} : await bucketFacts(s3, input.bucket, spec.name, input.now)),
    });
  }
  return out;
}
