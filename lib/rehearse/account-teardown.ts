/**
 * The teardown of `rehearse --target aws`, in the order that lets each step succeed: the tables named `<prefix>-*`
 * and their on-demand backups deleted (the module's tables have prevent_destroy, so Terraform cannot), every version of
 * every object in the rehearsal's backup buckets deleted (a versioned bucket must be empty before it can be deleted),
 * then the tables forgotten by Terraform and `terraform destroy` for the rest (functions, roles, key, topic, bucket).
 * Each step runs even when an earlier one failed, and says what to do by hand when it fails.
 */
import {
  DeleteBackupCommand,
  DeleteTableCommand,
  ListBackupsCommand,
  ListTablesCommand,
  UpdateTableCommand,
  waitUntilTableNotExists,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import {
  DeleteObjectsCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
  type S3Client,
} from "@aws-sdk/client-s3";
import { generatedBucketNameStart } from "../pipeline/config";
import type { StepLog } from "./report";
import type { RehearsalWorkspace } from "./workspace";

const TABLE_WAIT = { minDelay: 2, maxDelay: 10, maxWaitTime: 600 } as const;
/** State addresses of managed tables (forgotten before destroy: they have prevent_destroy). Not data sources. */
const TABLE_ADDRESS = /(?:^|\.)(?<!data\.)aws_dynamodb_table\./;

/** Tables named `<prefix>-*`: the module's, and every table the scenarios restored. */
async function prefixedTables(ddb: DynamoDBClient, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let start: string | undefined;
  do {
    const page = await ddb.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    out.push(...(page.TableNames ?? []).filter((n) => n.startsWith(`${prefix}-`)));
    start = page.LastEvaluatedTableName;
  } while (start !== undefined);
  return out;
}

async function deleteTableAndBackups(ddb: DynamoDBClient, table: string): Promise<number> {
  let deleted = 0;
  let start: string | undefined;
  do {
    const page = await ddb.send(
      new ListBackupsCommand({ TableName: table, BackupType: "ALL", ExclusiveStartBackupArn: start }),
    );
    for (const b of page.BackupSummaries ?? []) {
      if (b.BackupType === "SYSTEM") continue; // AWS deletes these with PITR; DeleteBackup refuses them
      await ddb.send(new DeleteBackupCommand({ BackupArn: b.BackupArn }));
      deleted++;
    }
    start = page.LastEvaluatedBackupArn;
  } while (start !== undefined);
  await ddb.send(new UpdateTableCommand({ TableName: table, DeletionProtectionEnabled: false }));
  await ddb.send(new DeleteTableCommand({ TableName: table }));
  await waitUntilTableNotExists({ client: ddb, ...TABLE_WAIT }, { TableName: table });
  return deleted;
}

export async function deleteTables(ddb: DynamoDBClient, prefix: string, log: StepLog): Promise<void> {
  await log
    .step(
      `delete every table named ${prefix}-* and its on-demand backups`,
      { fix: `delete them by hand: aws dynamodb list-tables, then delete-backup and delete-table for ${prefix}-*` },
      async () => {
        const tables = await prefixedTables(ddb, prefix);
        let backups = 0;
        for (const t of tables) backups += await deleteTableAndBackups(ddb, t);
        return `${tables.length} tables and ${backups} backups deleted`;
      },
    )
    .catch(() => undefined);
}

/** Deletes every object version and delete marker of `bucket`; returns how many. */
async function emptyBucket(s3: S3Client, bucket: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const ids: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
      Key: v.Key,
      VersionId: v.VersionId,
    }));
    if (ids.length === 0) return deleted;
    const res = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: ids, Quiet: true } }));
    const failed = res.Errors ?? [];
    if (failed.length > 0)
      throw new Error(`${bucket}: ${failed[0]?.Key ?? "?"}: ${failed[0]?.Message ?? "not deleted"}`);
    deleted += ids.length;
  }
}

/** Empties every backup bucket the module generated for `prefix`; returns the buckets and the versions deleted. */
async function emptyGenerated(s3: S3Client, prefix: string): Promise<{ buckets: string[]; objects: number }> {
  const start = generatedBucketNameStart(prefix);
  const buckets = ((await s3.send(new ListBucketsCommand({}))).Buckets ?? [])
    .map((b) => b.Name ?? "")
    .filter((n) => n.startsWith(start));
  let objects = 0;
  for (const b of buckets) objects += await emptyBucket(s3, b);
  return { buckets, objects };
}

/** The same, for a retry: the number of object versions deleted. */
export async function emptyAllVersions(s3: S3Client, prefix: string): Promise<number> {
  return (await emptyGenerated(s3, prefix)).objects;
}

/** The backup buckets the module generated for `prefix` (the guard made sure none existed before the rehearsal). */
export async function emptyBuckets(s3: S3Client, prefix: string, log: StepLog): Promise<void> {
  await log
    .step(
      `empty the backup bucket (${generatedBucketNameStart(prefix)}*): every object version`,
      {
        fix: `empty it by hand (aws s3api list-object-versions, delete-objects), then run terraform destroy in the scratch folder`,
      },
      async () => {
        const { buckets, objects } = await emptyGenerated(s3, prefix);
        return buckets.length === 0 ? "no bucket" : `${buckets.join(", ")}: ${objects} object versions deleted`;
      },
    )
    .catch(() => undefined);
}

/**
 * `terraform state rm` of the (already deleted) tables, then `terraform destroy` of everything else; when S3 refuses to
 * delete the bucket because something wrote to it since it was emptied (a scheduled seal or export), `emptyAgain`
 * and one more destroy. Returns whether it worked (when not, the scratch folder is kept to destroy by hand).
 */
export async function destroyTheRest(
  ws: RehearsalWorkspace,
  log: StepLog,
  emptyAgain: () => Promise<unknown>,
): Promise<boolean> {
  const destroy = async (): Promise<string> =>
    (await ws.terraform.run(["destroy", "-auto-approve", "-input=false", "-no-color"])).stdout;
  return log
    .step(
      "terraform destroy (the tables were deleted above: Terraform forgets them first, as they have prevent_destroy)",
      {
        command: "terraform state rm <tables>; terraform destroy -auto-approve",
        fix: `run terraform destroy in ${ws.root} by hand (the scratch folder is kept when this fails)`,
      },
      async () => {
        const listed = (await ws.terraform.run(["state", "list"])).stdout.split("\n");
        const tables = listed.filter((a) => TABLE_ADDRESS.test(a));
        if (tables.length > 0) await ws.terraform.run(["state", "rm", ...tables]);
        const out = await destroy().catch(async (err: Error) => {
          if (!err.message.includes("BucketNotEmpty")) throw err;
          await emptyAgain();
          return destroy();
        });
        return out.split("\n").find((l) => l.startsWith("Destroy complete")) ?? "destroyed";
      },
    )
    .then(
      () => true,
      () => false,
    );
}
