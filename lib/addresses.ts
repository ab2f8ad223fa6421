/**
 * Terraform addresses: a public contract, built here and nowhere else.
 *
 * The module construct names its resources with these functions, and every DR command, README recipe and test
 * derives addresses from them. Inside the synthesized module a table is `aws_dynamodb_table.<snake>_table`;
 * a consumer sees it as `<module address>.aws_dynamodb_table.<snake>_table`.
 */
import { tableResourceName } from "./catalog";

export const DYNAMODB_TABLE_RESOURCE_TYPE = "aws_dynamodb_table";
/** The module address used in the docs and the example consumer (`module "data_persistence" { … }`). */
export const DEFAULT_MODULE_ADDRESS = "module.data_persistence";
/** The name the example consumer and the docs give the module block. */
export const DEFAULT_MODULE_NAME = "data_persistence";

/**
 * One step of a module address: `module.<name>` optionally followed by an index key `[0]` or `["key"]`.
 * Names follow Terraform's identifier rules (letters, digits, `_`, `-`, not starting with a digit).
 */
const MODULE_STEP = /module\.[A-Za-z_][A-Za-z0-9_-]*(?:\[(?:\d+|"(?:[^"\\]|\\.)*")\])?/y;

export class AddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AddressError";
  }
}

/**
 * Validates a module address such as `module.data_persistence`, `module.platform.module.data_persistence`,
 * `module.dp[0]` or `module.dp["prod"]`. The empty string means the root module.
 */
export function validateModuleAddress(address: string): string {
  if (address === "") return address;
  let pos = 0;
  while (pos < address.length) {
    MODULE_STEP.lastIndex = pos;
    const m = MODULE_STEP.exec(address);
    if (m === null) break;
    pos = MODULE_STEP.lastIndex;
    if (pos === address.length) return address;
    if (address[pos] !== ".") break;
    pos += 1;
  }
  throw new AddressError(
    `--module-address: "${address}" is not a Terraform module address; expected "" (root module) or steps like module.data_persistence, module.platform.module.data_persistence, module.dp[0] or module.dp["prod"]`,
  );
}

/** Address of a table resource inside the module: `aws_dynamodb_table.collections_table`. */
export function tableResourceAddress(catalogName: string): string {
  return `${DYNAMODB_TABLE_RESOURCE_TYPE}.${tableResourceName(catalogName)}`;
}

/** Full address of a table as the consumer's state knows it. */
export function tableAddress(catalogName: string, moduleAddress: string = DEFAULT_MODULE_ADDRESS): string {
  const inner = tableResourceAddress(catalogName);
  const mod = validateModuleAddress(moduleAddress);
  return mod === "" ? inner : `${mod}.${inner}`;
}

/*
 * Resource names inside the module (the part of an address after the resource type). They are a contract with every
 * user's Terraform state: renaming one makes `terraform apply` destroy the resource and create a new one. The
 * constructs in modules/ take their fixed logical ids from here and nowhere else; test/module/wiring.test.ts pins the
 * full list of the synthesized module's addresses.
 */

/**
 * Public resources: those that hold data (bucket, key, vault) and those a user may `terraform import`, move into place
 * or refer to (alias, plan, selection, the topic users subscribe to). Renaming one loses data or breaks imports.
 */
export const PUBLIC_RESOURCE_NAMES = {
  /** `aws_s3_bucket.backup_bucket`: the exports. */
  backupBucket: "backup_bucket",
  /** `aws_kms_key.backup_key`: encrypts the exports and the alarm topic. */
  backupKey: "backup_key",
  backupKeyAlias: "backup_key_alias",
  /** `aws_backup_vault.backup_vault`: the AWS Backup recovery points. */
  backupVault: "backup_vault",
  backupPlan: "backup_plan",
  backupSelection: "backup_selection",
  /** `aws_sns_topic.alarm_topic` (users subscribe to it). */
  alarmTopic: "alarm_topic",
  /** `aws_backup_restore_testing_plan.restore_testing_plan` and its selection of the backed-up tables. */
  restoreTestingPlan: "restore_testing_plan",
  restoreTestingSelection: "restore_testing_selection",
} as const;

/** The backup bucket's settings, each its own resource next to the bucket. */
export const BACKUP_BUCKET_PART_NAMES = {
  versioning: "backup_bucket_versioning",
  encryption: "backup_bucket_encryption",
  publicAccess: "backup_bucket_public_access",
  ownership: "backup_bucket_ownership",
  /** Both the `aws_iam_policy_document` data source and the `aws_s3_bucket_policy`. */
  policy: "backup_bucket_policy",
  lifecycle: "backup_bucket_lifecycle",
  objectLock: "backup_bucket_object_lock",
} as const;

/** The rest of the module's resources: no data, but a rename would still recreate them on upgrade. */
export const RESOURCE_NAMES = {
  /** `data.aws_iam_policy_document.backup_key_policy` */
  backupKeyPolicy: "backup_key_policy",
  /** `data.aws_region.current` and `data.aws_partition.current` */
  current: "current",
  alarmSubscription: "alarm_subscription",
  exportFailedAlarm: "export_failed_alarm",
  restoreDrillFailedAlarm: "restore_drill_failed_alarm",
  exportFreshnessAlarm: "export_freshness_alarm",
  fullExportSchedule: "full_export_schedule",
  incrementalExportSchedule: "incremental_export_schedule",
  restoreDrillSchedule: "restore_drill_schedule",
  /** Change capture (modules/change-capture.ts). */
  captureFailureQueue: "capture_failed_batches",
  captureStreamMapping: "capture_stream",
  captureIteratorAgeAlarm: "capture_iterator_age_alarm",
  captureErrorsAlarm: "capture_errors_alarm",
  captureFailedBatchesAlarm: "capture_failed_batches_alarm",
  captureSealErrorsAlarm: "capture_seal_errors_alarm",
  sealCaptureSchedule: "seal_capture_schedule",
  /** Restore testing: the EventBridge rule on completed restore tests, its target, the invoke permission, the alarm. */
  restoreTestCompletedRule: "restore_test_completed_rule",
  restoreTestCompletedTarget: "restore_test_completed_target",
  restoreTestInvokePermission: "restore_test_invoke_permission",
  restoreTestErrorsAlarm: "restore_test_errors_alarm",
  /** `aws_glue_catalog_database.history_database` (enable_history_queries) */
  historyDatabase: "history_database",
  /** `aws_athena_workgroup.history_workgroup` (enable_history_queries) */
  historyWorkgroup: "history_workgroup",
} as const;

/** Name of a history Glue table's resource: `full_exports` → `history_full_exports` (lib/pipeline/athena-tables.ts). */
export function historyTableResourceName(glueTableName: string): string {
  return `history_${glueTableName}`;
}

/** Name bases of the module's IAM roles that belong to no function or state machine. */
export const ROLE_BASES = {
  backup: "backup",
  scheduler: "scheduler",
  sealScheduler: "seal_scheduler",
  restoreTesting: "restore_testing",
} as const;
/** Name bases of the state machines (their roles are `<base>_sfn_…`). */
export const STATE_MACHINE_BASES = { export: "export", restoreDrill: "restore_drill" } as const;

/** Names of a role's resources: `<base>_trust` and `<base>_policy` documents, `<base>_role`, `<base>_role_policy`. */
export function roleResourceNames(base: string): {
  trust: string;
  role: string;
  policy: string;
  rolePolicy: string;
} {
  return { trust: `${base}_trust`, role: `${base}_role`, policy: `${base}_policy`, rolePolicy: `${base}_role_policy` };
}

/** Name base of a pipeline function's resources: `plan-exports` → `plan_exports`. */
export function functionBase(functionName: string): string {
  return functionName.replace(/-/g, "_");
}

/** Names of a Lambda's own resources (its role: {@link roleResourceNames} of the same base). */
export function functionResourceNames(base: string): { logs: string; function: string } {
  return { logs: `${base}_logs`, function: `${base}_function` };
}

/** Names of a state machine's resources: `<base>_state_machine`, and its role's base `<base>_sfn`. */
export function stateMachineResourceNames(base: string): { stateMachine: string; roleBase: string } {
  return { stateMachine: `${base}_state_machine`, roleBase: `${base}_sfn` };
}

/** Table resource name inside the module: `collections_table` (see {@link tableResourceAddress}). */
export { tableResourceName };
