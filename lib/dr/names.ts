/**
 * Names the DR commands make up or check: restored-table names, timestamps, state backup files.
 */
import { dynamoTableNameProblem } from "../catalog";
import { UsageError } from "../errors";

/** `2025-01-31T04:05:06.789Z` → `20250131T040506Z`: sortable, and legal in table and file names. */
export function utcStamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");
}

/** The infix of a default restore target: `<source>-restored-<UTC timestamp>`. */
export const RESTORED_INFIX = "-restored-";

export function defaultRestoredName(sourceName: string, now: Date): string {
  return `${sourceName}${RESTORED_INFIX}${utcStamp(now)}`;
}

/** Throws a UsageError naming the flag when `name` is not a legal DynamoDB table name. */
export function checkTableNameFlag(flag: string, name: string, hint = ""): string {
  const problem = dynamoTableNameProblem(name);
  if (problem !== undefined) {
    throw new UsageError(`${flag}: "${name}" is not a legal DynamoDB table name: it ${problem}.${hint}`);
  }
  return name;
}

/** File name of a state backup taken before the state is changed. */
export function stateBackupFileName(now: Date): string {
  return `dynamo-dr-backup-${utcStamp(now)}.tfstate`;
}

/** File name of the plan an --execute run writes (apply exactly this reviewed plan). */
export function planFileName(now: Date): string {
  return `dynamo-dr-${utcStamp(now)}.tfplan`;
}
