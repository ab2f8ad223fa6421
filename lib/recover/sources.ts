/**
 * Which sources can give back a table as of a moment T, and what each gives: PITR (exact inside its restorable
 * window), AWS Backup recovery points and DynamoDB on-demand / SYSTEM backups (the newest at or before T: data as of
 * its creation, so everything after it is lost), and the export history (not in this build: lib/history is another
 * piece). Read-only.
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

export const SOURCE_CHOICES = ["pitr", "backup", "history"] as const;
export type SourceChoice = (typeof SOURCE_CHOICES)[number];

/** The concrete kind of a candidate. */
export type CandidateKind = "pitr" | "aws-backup" | "dynamodb-backup" | "history";

/**
 * How fast each kind restores, for ties (lower is faster): PITR and a DynamoDB backup are one DynamoDB restore; an
 * AWS Backup restore job adds the job around it; a rebuild reads and writes the whole history.
 */
export const SPEED_RANK: Readonly<Record<CandidateKind, number>> = {
  pitr: 1,
  "dynamodb-backup": 1,
  "aws-backup": 2,
  history: 3,
};

export interface Candidate {
  readonly source: SourceChoice;
  readonly kind: CandidateKind;
  /** Whether it can serve T at all. */
  readonly usable: boolean;
  /** Why not (usable false), or what it gives, in words. */
  readonly says: string;
  /** The moment the restored data is as of (ISO). */
  readonly dataAsOf?: string;
  /** Seconds of changes before T that this source does not have (0 = exact). */
  readonly lossSeconds?: number;
  /** DynamoDB backup ARN or AWS Backup recovery point ARN. */
  readonly arn?: string;
  readonly backupName?: string;
  /** Items in the backup (DescribeBackup's ItemCount, which AWS updates about every six hours). */
  readonly itemCount?: number;
  readonly vault?: string;
}

export interface SurveyInput {
  readonly client: DynamoDBClient;
  readonly sourceName: string;
  readonly source?: TableDescription;
  readonly at: Date;
  readonly vault?: VaultRef;
  /** Why there is no vault to look in (when `vault` is undefined). */
  readonly noVault?: string;
}

function lossText(seconds: number): string {
  if (seconds === 0) return "nothing lost";
  const parts: [number, string][] = [
    [86_400, "d"],
    [3600, "h"],
    [60, "min"],
    [1, "s"],
  ];
  let left = Math.round(seconds);
  const out: string[] = [];
  for (const [size, unit] of parts) {
    const n = Math.floor(left / size);
    if (n > 0) out.push(`${n} ${unit}`);
    left -= n * size;
  }
  return `changes in the ${out.slice(0, 2).join(" ")} before T are lost`;
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

function historyCandidate(): Candidate {
  return {
    source: "history",
    kind: "history",
    usable: false,
    says: "the export history cannot be rebuilt by this build (dynamo-dr rebuild is not part of it yet)",
  };
}

/** Every source, usable or not, in a fixed order. */
export async function surveySources(s: SurveyInput): Promise<Candidate[]> {
  return [await pitrCandidate(s), await vaultCandidate(s), await dynamoBackupCandidate(s), historyCandidate()];
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
