/** Helpers for the recover/snapshot tests. */
import { BackupClient } from "../../lib/aws-backup";

/** Creates an AWS Backup vault through moto's own API (CreateBackupVault is moto's; the shim forwards it). */
export async function createVault(endpoint: string, name: string, region = "us-east-1"): Promise<void> {
  const bc = new BackupClient({ region, endpoint });
  await bc.call("CreateBackupVault", "PUT", `/backup-vaults/${encodeURIComponent(name)}`, {});
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
