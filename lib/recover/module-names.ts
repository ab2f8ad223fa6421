/**
 * Names the module gives its AWS Backup resources, computed the way modules/pipeline-context.ts (local
 * `resource_name_base`) and modules/backup-plan.ts name them, so the DR commands find the vault and the role without
 * Terraform outputs: vault `<base>-dynamodb`, role `<base>-ddb-backup`.
 * test/recover/module-names.test.ts pins these against the synthesized module.
 */
import { createHash } from "node:crypto";

/** A prefix longer than this is shortened (modules/pipeline-context.ts NAME_BASE_MAX_LENGTH). */
export const NAME_BASE_MAX_LENGTH = 32;
/** Characters of the dashed prefix a shortened base keeps. */
const NAME_BASE_KEEP = 25;
/** Hex characters of sha1(prefix) a shortened base ends with. */
const NAME_BASE_HASH = 6;

/** The module's `local.resource_name_base` for a prefix. */
export function resourceNameBase(prefix: string): string {
  const dashed = prefix.replaceAll(".", "-");
  if (prefix.length <= NAME_BASE_MAX_LENGTH) return dashed;
  return `${dashed.slice(0, NAME_BASE_KEEP)}-${createHash("sha1").update(prefix).digest("hex").slice(0, NAME_BASE_HASH)}`;
}

/** The module's AWS Backup vault name. */
export function moduleVaultName(prefix: string): string {
  return `${resourceNameBase(prefix)}-dynamodb`;
}

/** The module's AWS Backup service role name (what StartBackupJob / StartRestoreJob pass as IamRoleArn). */
export function moduleBackupRoleName(prefix: string): string {
  return `${resourceNameBase(prefix)}-ddb-backup`;
}

/** `arn:<partition>:iam::<account>:role/<name>` with the account and partition of another ARN (the vault's). */
export function roleArnLike(otherArn: string, roleName: string): string {
  const [, partition = "aws", , , account = ""] = otherArn.split(":");
  return `arn:${partition}:iam::${account}:role/${roleName}`;
}
