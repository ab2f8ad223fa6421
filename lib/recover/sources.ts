/**
 * Which sources can give back a table as of a moment T, and what each gives: PITR (exact inside its restorable
 * window), AWS Backup recovery points and DynamoDB on-demand / SYSTEM backups (the newest at or before T: data as of
 * its creation, so everything after it is lost), and the export history in the backup bucket (lib/recover/history.ts:
 * exact where capture covers T, else the nearest export point). Read-only.
 */
import {
  DescribeBackupCommand,
  DescribeContinuousBackupsCommand,
  DynamoDBClient,
  TableDescription,
} from "@aws-sdk/client-dynamodb";
import { PreconditionError } from "../errors";
import { VaultRef, newestBackup, newestRecoveryPoint } from "../dr/backup-restore";
import { isNotFound } from "../table-io/tables";
import { type Candidate, SPEED_RANK, type SourceChoice, lossText } from "./candidate";
import { type HistorySurveyInput, historyCandidate } from "./history";

export { SOURCE_CHOICES, SPEED_RANK, lossText } from "./candidate";
export type { Candidate, CandidateKind, SourceChoice } from "./candidate";

export interface SurveyInput {
  readonly client: DynamoDBClient;
  readonly sourceName: string;
  readonly source?: TableDescription;
  readonly at: Date;
  readonly vault?: VaultRef;
  /** Why there is no vault to look in (when `vault` is undefined). */
  readonly noVault?: string;
  /** The history to survey (its source undefined when --bucket was not given). */
  readonly history: Omit<HistorySurveyInput, "at">;
}

async function pitrCandidate(s: SurveyInput): Promise<Candidate> {
  const base = { source: "pitr" as const, kind: "pitr" as const };
  if (s.source === undefined)
    return { ...base, usable: false, says: `table ${s.sourceName} does not exist (PITR needs it)` };
  let pitr;
  try {
    pitr = (await s.client.send(new DescribeContinuousBackupsCommand({ TableName: s.sourceName })))
      .ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
  } catch (err) {
    if (isNotFound(err)) return { ...base, usable: false, says: `table ${s.sourceName} does not exist` };
    throw err;
  }
  if (pitr?.PointInTimeRecoveryStatus !== "ENABLED") {
    return {
      ...base,
      usable: false,
      says: `point-in-time recovery is ${pitr?.PointInTimeRecoveryStatus ?? "DISABLED"}`,
    };
  }
  const lo = pitr.EarliestRestorableDateTime;
  const hi = pitr.LatestRestorableDateTime;
  const window = `${lo?.toISOString() ?? "?"} to ${hi?.toISOString() ?? "?"}`;
  const t = s.at.getTime();
  if ((lo !== undefined && t < lo.getTime()) || (hi !== undefined && t > hi.getTime())) {
    return { ...base, usable: false, says: `T is outside the restorable window ${window}` };
  }
  return {
    ...base,
    usable: true,
    says: `exact (T is inside the window ${window})`,
    dataAsOf: s.at.toISOString(),
    lossSeconds: 0,
  };
}

async function dynamoBackupCandidate(s: SurveyInput): Promise<Candidate> {
  const base = { source: "backup" as const, kind: "dynamodb-backup" as const };
  const b = await newestBackup(s.client, s.sourceName, "ALL", s.at);
  if (b?.BackupArn === undefined || b.BackupCreationDateTime === undefined) {
    return { ...base, usable: false, says: "no on-demand or SYSTEM backup at or before T" };
  }
  const d = await s.client.send(new DescribeBackupCommand({ BackupArn: b.BackupArn }));
  const loss = (s.at.getTime() - b.BackupCreationDateTime.getTime()) / 1000;
  return {
    ...base,
    usable: true,
    says: `${b.BackupType ?? ""} backup ${b.BackupName ?? ""} of ${b.BackupCreationDateTime.toISOString()}: ${lossText(loss)}`,
    dataAsOf: b.BackupCreationDateTime.toISOString(),
    lossSeconds: loss,
    arn: b.BackupArn,
    backupName: b.BackupName,
    itemCount: d.BackupDescription?.SourceTableDetails?.ItemCount,
  };
}

async function vaultCandidate(s: SurveyInput): Promise<Candidate> {
  const base = { source: "backup" as const, kind: "aws-backup" as const };
  if (s.vault === undefined) return { ...base, usable: false, says: s.noVault ?? "no AWS Backup vault" };
  const p = await newestRecoveryPoint(s.vault, s.sourceName, s.at);
  if (p?.CreationDate === undefined) {
    return {
      ...base,
      usable: false,
      says: `no recovery point at or before T in vault ${s.vault.name}`,
      vault: s.vault.name,
    };
  }
  const loss = (s.at.getTime() - p.CreationDate.getTime()) / 1000;
  return {
    ...base,
    usable: true,
    says: `AWS Backup recovery point of ${p.CreationDate.toISOString()} in vault ${s.vault.name}: ${lossText(loss)}`,
    dataAsOf: p.CreationDate.toISOString(),
    lossSeconds: loss,
    arn: p.RecoveryPointArn,
    vault: s.vault.name,
  };
}

/** Every source, usable or not, in a fixed order. */
export async function surveySources(s: SurveyInput): Promise<Candidate[]> {
  return [
    await pitrCandidate(s),
    await vaultCandidate(s),
    await dynamoBackupCandidate(s),
    await historyCandidate({ ...s.history, at: s.at }),
  ];
}

/** The usable candidate that loses least (ties: the fastest), restricted to `only` when given. */
export function chooseSource(candidates: readonly Candidate[], only: SourceChoice | undefined, at: Date): Candidate {
  const pool = candidates.filter((c) => c.usable && (only === undefined || c.source === only));
  const best = [...pool].sort(
    (a, b) => (a.lossSeconds ?? Infinity) - (b.lossSeconds ?? Infinity) || SPEED_RANK[a.kind] - SPEED_RANK[b.kind],
  )[0];
  if (best !== undefined) return best;
  const why = candidates
    .filter((c) => only === undefined || c.source === only)
    .map((c) => `${c.kind}: ${c.says}`)
    .join("; ");
  throw new PreconditionError(
    `no ${only === undefined ? "" : `${only} `}source can restore the table as of ${at.toISOString()}: ${why}.${only === undefined ? "" : " Try without --source to see every source."}`,
  );
}

/** Why the chosen candidate was picked, in one sentence. */
export function whyChosen(chosen: Candidate, candidates: readonly Candidate[], forced: boolean): string {
  if (forced) return `--source ${chosen.source} was given`;
  const others = candidates.filter((c) => c.usable && c !== chosen);
  if (others.length === 0) return "it is the only source that can serve T";
  const tie = others.some((c) => c.lossSeconds === chosen.lossSeconds);
  return tie ? "it loses least, and is the fastest of those that lose as little" : "it loses least";
}
