/** Helpers for the recover/snapshot tests. */
import { BackupClient, createBackupVault } from "../../lib/aws-backup";

/** Creates an AWS Backup vault through moto's own API (CreateBackupVault is moto's; the shim forwards it). */
export async function createVault(endpoint: string, name: string, region = "us-east-1"): Promise<void> {
  await createBackupVault(new BackupClient({ region, endpoint }), name);
}

/** Sets a table's PITR window in the shim (moto's never moves). */
export async function setPitrWindow(endpoint: string, table: string, earliest: Date, latest: Date): Promise<void> {
  const res = await fetch(`${endpoint}/__shim/pitr-window`, {
    method: "POST",
    body: JSON.stringify({
      region: "us-east-1",
      table,
      earliest: earliest.toISOString(),
      latest: latest.toISOString(),
    }),
  });
  if (!res.ok) throw new Error(`shim pitr-window: ${res.status}`);
}

/**
 * Dates every shim recovery point of `table` at `date`: a test that must restore from the vault makes its point the
 * one that loses nothing at T, whatever other backups of the table exist.
 */
export async function dateRecoveryPoints(endpoint: string, table: string, date: Date): Promise<number> {
  const state = (await (await fetch(`${endpoint}/__shim/state`)).json()) as {
    recoveryPoints: { arn: string; resourceArn: string }[];
  };
  const points = state.recoveryPoints.filter((p) => p.resourceArn.endsWith(`:table/${table}`));
  for (const p of points) {
    const res = await fetch(`${endpoint}/__shim/recovery-point-date`, {
      method: "POST",
      body: JSON.stringify({ arn: p.arn, creationDate: date.toISOString() }),
    });
    if (!res.ok) throw new Error(`shim recovery-point-date: ${res.status}`);
  }
  return points.length;
}
