/** What a source can give back as of T (one candidate of `recover`'s survey), and how a loss is said in words. */

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

export function lossText(seconds: number): string {
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
