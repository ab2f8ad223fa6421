/**
 * The guards of `dynamo-dr rehearse --target aws`, all checked before anything is created: a dedicated prefix that
 * starts with `rehearsal-`, nothing with that prefix already in the account (tables or buckets the rehearsal did not
 * create), the estimated cost printed first, and a confirmation (or --yes).
 */
import { ListTablesCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ListBucketsCommand, type S3Client } from "@aws-sdk/client-s3";
import { physicalTableName, type TableCatalog } from "../catalog";
import { PreconditionError, UsageError } from "../errors";
import { checkTableNameFlag } from "../dr/names";
import { generatedBucketNameStart } from "../pipeline/config";
import { ITEMS_PER_TABLE } from "./data";

export const AWS_REHEARSAL_PREFIX = "rehearsal-";
/** On-demand request prices (us-east-1, USD) and the rehearsal's rough volume, for the printed estimate. */
const USD_PER_MILLION_WRITES = 1.25;
const USD_PER_GB_RESTORED = 0.15;
const USD_PER_GB_BACKUP_MONTH = 0.1;
/** Every table is written, scanned, backed up and restored a few times over; an upper bound on requests. */
const REQUESTS_PER_ITEM = 10;
const ITEM_BYTES = 2_000;
const MIN_ESTIMATE_USD = 0.01;

/** --prefix for --target aws: required, starts with `rehearsal-`, and makes legal table names. */
export function checkAwsPrefix(prefix: string | undefined, catalog: TableCatalog): string {
  if (prefix === undefined || prefix === "") {
    throw new UsageError(
      `--target aws needs --prefix ${AWS_REHEARSAL_PREFIX}<name>: a dedicated prefix, so that the rehearsal can never touch a real deployment`,
    );
  }
  if (!prefix.startsWith(AWS_REHEARSAL_PREFIX) || prefix.length === AWS_REHEARSAL_PREFIX.length) {
    throw new UsageError(
      `--prefix: "${prefix}" is not allowed with --target aws; it must start with "${AWS_REHEARSAL_PREFIX}" followed by a name (e.g. ${AWS_REHEARSAL_PREFIX}team1), so that the rehearsal can never touch a real deployment`,
    );
  }
  for (const t of catalog.tables)
    checkTableNameFlag("--prefix", physicalTableName(prefix, t.name), " Tables are <prefix>-<CatalogName>.");
  return prefix;
}

/** The estimate printed before anything else (USD; the rehearsal's resources live for minutes). */
export function estimatedCostUsd(catalog: TableCatalog): number {
  const items = catalog.tables.length * ITEMS_PER_TABLE;
  const gb = (items * ITEM_BYTES) / 1e9;
  const usd =
    (items * REQUESTS_PER_ITEM * USD_PER_MILLION_WRITES) / 1e6 + gb * (USD_PER_GB_RESTORED + USD_PER_GB_BACKUP_MONTH);
  return Math.max(MIN_ESTIMATE_USD, Math.ceil(usd * 100) / 100);
}

export function costLine(catalog: TableCatalog): string {
  return `Estimated cost: under $${estimatedCostUsd(catalog).toFixed(2)} (${catalog.tables.length} on-demand tables × ${ITEMS_PER_TABLE} items, backups and restores; with the history scenario a few Lambda invocations, S3 requests and one ImportTable; the KMS key is billed for its pending-deletion days). Everything the rehearsal created is deleted at the end (tables, backups, the bucket's objects, then terraform destroy), also on failure.`;
}

/**
 * Refuses when any table or bucket named with the prefix exists (the rehearsal has created nothing yet), including a
 * backup bucket the module would generate for it (`<prefix lowercased, cut to 20>-ddb-backups-…`).
 */
export async function checkNothingWithPrefix(ddb: DynamoDBClient, s3: S3Client, prefix: string): Promise<void> {
  const found: string[] = [];
  let start: string | undefined;
  do {
    const page = await ddb.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    found.push(...(page.TableNames ?? []).filter((n) => n.startsWith(prefix)).map((n) => `table ${n}`));
    start = page.LastEvaluatedTableName;
  } while (start !== undefined);
  const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets ?? [];
  const generated = generatedBucketNameStart(prefix);
  found.push(
    ...buckets
      .map((b) => b.Name ?? "")
      .filter((n) => n.startsWith(prefix) || n.startsWith(generated))
      .map((n) => `bucket ${n}`),
  );
  if (found.length > 0) {
    throw new PreconditionError(
      `--prefix ${prefix}: ${found.length} resource(s) with this prefix already exist, which this rehearsal did not create: ${found.slice(0, 10).join(", ")}${found.length > 10 ? ", …" : ""}. Choose another --prefix ${AWS_REHEARSAL_PREFIX}<name>, or delete them if they are left from an earlier rehearsal.`,
    );
  }
}
