/**
 * The restore step of `recover`: the chosen source into a NEW table, through the existing per-source code
 * (lib/dr/pitr-restore.ts, lib/dr/backup-restore.ts), then the one wait for ACTIVE; and the check of the result. The
 * history source (a rebuild, then ImportTable) is run step by step from lib/recover/history.ts.
 */
import { DynamoDBClient, ScanCommand, TableDescription } from "@aws-sdk/client-dynamodb";
import { PreconditionError } from "../errors";
import { VaultRef, backupRestoreInput, restoreJobInput, runRestoreJob, startBackupRestore } from "../dr/backup-restore";
import { checkPitrRestore, startPitrRestore } from "../dr/pitr-restore";
import { formatDuration } from "../duration";
import type { ProgressSink } from "../progress-sink";
import { waitForTableActive } from "../table-io/tables";
import { shQuote } from "../dr/shell";
import { formatLocation } from "../export-format";
import type { Candidate } from "./candidate";
import type { HistoryRestore } from "./history";

export interface RestoreStep {
  readonly catalogName: string;
  readonly sourceName: string;
  readonly source?: TableDescription;
  readonly targetName: string;
  readonly at: Date;
  readonly chosen: Candidate;
  readonly vault?: { readonly ref: VaultRef; readonly roleArn: string };
  /** For the history source: where the history is, and where the rebuild goes. */
  readonly history?: HistoryRestore;
}

/** The AWS request the restore makes, as the aws CLI line a person could run instead. */
export async function restoreRequestLine(client: DynamoDBClient, s: RestoreStep): Promise<string> {
  const json = (o: unknown): string => shQuote(JSON.stringify(o));
  switch (s.chosen.kind) {
    case "pitr": {
      const check = await checkPitrRestore(client, {
        catalogName: s.catalogName,
        sourceName: s.sourceName,
        targetName: s.targetName,
        at: s.at,
        latest: false,
      });
      return `aws dynamodb restore-table-to-point-in-time --cli-input-json ${json(check.input)}`;
    }
    case "dynamodb-backup":
      return `aws dynamodb restore-table-from-backup --cli-input-json ${json(await backupInput(client, s))}`;
    case "aws-backup":
      return `aws backup start-restore-job --cli-input-json ${json(jobInput(s))}`;
    case "history":
      return historyLines(s);
    default:
      throw new PreconditionError(`source ${s.chosen.kind} cannot be restored by this build`);
  }
}

/** The two dynamo-dr commands the history restore amounts to (rebuild into the bucket, then ImportTable). */
function historyLines(s: RestoreStep): string {
  const h = s.history;
  if (h?.source.s3 === undefined) throw new PreconditionError("a history restore needs --bucket");
  const out = formatLocation(h.out.location);
  return [
    `dynamo-dr rebuild --bucket ${shQuote(h.source.s3.bucket)} --table ${shQuote(s.catalogName)} --at ${s.chosen.dataAsOf ?? s.at.toISOString()} --out ${shQuote(out)}`,
    `dynamo-dr restore-files ${shQuote(out)} --table ${shQuote(s.targetName)} --via import-table`,
  ].join(" && ");
}

async function backupInput(client: DynamoDBClient, s: RestoreStep) {
  return backupRestoreInput(client, {
    catalogName: s.catalogName,
    tableName: s.targetName,
    status: "restore",
    backup: { arn: s.chosen.arn ?? "" },
  });
}

function jobInput(s: RestoreStep) {
  if (s.vault === undefined) throw new PreconditionError("an AWS Backup restore needs the vault");
  return restoreJobInput(s.chosen.arn ?? "", s.targetName, s.vault.roleArn, s.source?.SSEDescription);
}

/** Starts the restore of the chosen source into the new table, and waits until it is ACTIVE. */
export async function runRestore(
  client: DynamoDBClient,
  s: RestoreStep,
  opts: { readonly timeoutMs: number; readonly pollMs?: number; readonly progress?: ProgressSink },
): Promise<TableDescription> {
  if (s.chosen.kind === "pitr") {
    const check = await checkPitrRestore(client, {
      catalogName: s.catalogName,
      sourceName: s.sourceName,
      targetName: s.targetName,
      at: s.at,
      latest: false,
    });
    await startPitrRestore(client, check.input);
  } else if (s.chosen.kind === "dynamodb-backup") {
    await startBackupRestore(client, await backupInput(client, s));
  } else if (s.chosen.kind === "aws-backup" && s.vault !== undefined) {
    await runRestoreJob(s.vault.ref.client, jobInput(s), opts);
  } else {
    throw new PreconditionError(`source ${s.chosen.kind} cannot be restored by this build`);
  }
  const table = await waitForTableActive(client, s.targetName, opts);
  if (table === undefined) {
    throw new PreconditionError(
      `restored table ${s.targetName} not ACTIVE after ${formatDuration(opts.timeoutMs / 1000)}; the restore goes on in AWS (aws dynamodb wait table-exists --table-name ${s.targetName}), then run import-restored-table.`,
    );
  }
  opts.progress?.add(1);
  return table;
}

export interface ResultCheck {
  /** Items in the restored table (a full Select=COUNT scan). */
  readonly restoredItems: number;
  /** What the source says the table had, when it says. */
  readonly expectedItems?: number;
  readonly ok: boolean;
  readonly says: string;
}

/** Counts the restored table's items (Select COUNT, paginated). */
export async function countItems(client: DynamoDBClient, table: string): Promise<number> {
  let count = 0;
  let start: Record<string, never> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, Select: "COUNT", ExclusiveStartKey: start }));
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey as typeof start;
  } while (start !== undefined);
  return count;
}

/** The check of the result against what the source says. */
export async function checkResult(client: DynamoDBClient, s: RestoreStep): Promise<ResultCheck> {
  const restoredItems = await countItems(client, s.targetName);
  if (s.chosen.kind === "pitr") {
    return {
      restoredItems,
      ok: true,
      says: `${restoredItems} items restored; PITR does not say how many items the table had at T, so no count could be compared`,
    };
  }
  if (s.chosen.kind === "aws-backup") {
    return {
      restoredItems,
      ok: true,
      says: `${restoredItems} items restored; an AWS Backup recovery point does not report an item count, so none could be compared`,
    };
  }
  const expected = s.chosen.itemCount;
  if (expected === undefined) {
    return { restoredItems, ok: true, says: `${restoredItems} items restored; the backup reports no item count` };
  }
  const ok = expected === restoredItems;
  return {
    restoredItems,
    expectedItems: expected,
    ok,
    says: ok
      ? `${restoredItems} items restored, as the backup's ItemCount says`
      : `${restoredItems} items restored but the backup's ItemCount says ${expected} (AWS updates ItemCount about every six hours, so a recent backup can differ; compare before you switch over)`,
  };
}
