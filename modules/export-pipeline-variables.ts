import { TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { TableCatalog } from "../lib/catalog";
import { ExportPipelineInputValues, exportPipelineInputs } from "../lib/module-inputs/export-pipeline-inputs";
import { declareVariables } from "../lib/synth/terraform-variable";

export {
  DEFAULT_EXPIRATION_DAYS,
  DEFAULT_LOG_RETENTION_DAYS,
  DEFAULT_NONCURRENT_EXPIRATION_DAYS,
  DEFAULT_OBJECT_LOCK_DAYS,
  DEFAULT_TRANSITION_DAYS,
  DEFAULT_TRANSITION_STORAGE_CLASS,
  IA_CLASSES,
  IA_MIN_DAYS,
  LOG_RETENTION_DAYS,
  MAX_RETENTION_DAYS,
  OBJECT_LOCK_MODES,
  SNS_PROTOCOLS,
  STORAGE_CLASSES,
  type ExportPipelineInputValues,
} from "../lib/module-inputs/export-pipeline-inputs";
export { SCHEDULE_REGEX, oneOf, scheduleValidation, wholeRange } from "../lib/module-inputs/validations";

export interface ExportPipelineVariablesProps {
  readonly catalog: TableCatalog;
  /** Overrides for the variables' defaults. @default - the module's own defaults */
  readonly defaults?: ExportPipelineInputValues;
}

/**
 * The inputs that switch and tune the export-and-verify pipeline (modules/export-pipeline.ts), declared from the table
 * in lib/module-inputs/export-pipeline-inputs.ts. `var.<name>` is what consumers set.
 */
export class ExportPipelineVariables extends Construct {
  public readonly enableExportPipeline: TerraformVariable;
  public readonly exportTables: TerraformVariable;
  public readonly exportSchedule: TerraformVariable;
  public readonly exportScheduleTimezone: TerraformVariable;
  public readonly incrementalExportInterval: TerraformVariable;
  public readonly scanExportSegments: TerraformVariable;
  public readonly backupBucketName: TerraformVariable;
  public readonly backupTransitionDays: TerraformVariable;
  public readonly backupTransitionStorageClass: TerraformVariable;
  public readonly backupExpirationDays: TerraformVariable;
  public readonly backupNoncurrentVersionExpirationDays: TerraformVariable;
  public readonly backupObjectLockMode: TerraformVariable;
  public readonly backupObjectLockDays: TerraformVariable;
  public readonly alarmSubscriptions: TerraformVariable;
  public readonly maxExportAgeHours: TerraformVariable;
  public readonly enableRestoreDrill: TerraformVariable;
  public readonly restoreDrillSchedule: TerraformVariable;
  public readonly restoreDrillSampleSize: TerraformVariable;
  public readonly lambdaRuntime: TerraformVariable;
  public readonly lambdaArchitecture: TerraformVariable;
  public readonly lambdaLogRetentionDays: TerraformVariable;

  constructor(scope: Construct, id: string, props: ExportPipelineVariablesProps) {
    super(scope, id);
    const v = declareVariables(this, exportPipelineInputs(props.catalog), props.defaults);
    this.enableExportPipeline = v.enable_export_pipeline;
    this.exportTables = v.export_tables;
    this.exportSchedule = v.export_schedule;
    this.exportScheduleTimezone = v.export_schedule_timezone;
    this.incrementalExportInterval = v.incremental_export_interval;
    this.scanExportSegments = v.scan_export_segments;
    this.backupBucketName = v.backup_bucket_name;
    this.backupTransitionDays = v.backup_transition_days;
    this.backupTransitionStorageClass = v.backup_transition_storage_class;
    this.backupExpirationDays = v.backup_expiration_days;
    this.backupNoncurrentVersionExpirationDays = v.backup_noncurrent_version_expiration_days;
    this.backupObjectLockMode = v.backup_object_lock_mode;
    this.backupObjectLockDays = v.backup_object_lock_days;
    this.alarmSubscriptions = v.alarm_subscriptions;
    this.maxExportAgeHours = v.max_export_age_hours;
    this.enableRestoreDrill = v.enable_restore_drill;
    this.restoreDrillSchedule = v.restore_drill_schedule;
    this.restoreDrillSampleSize = v.restore_drill_sample_size;
    this.lambdaRuntime = v.lambda_runtime;
    this.lambdaArchitecture = v.lambda_architecture;
    this.lambdaLogRetentionDays = v.lambda_log_retention_days;
  }
}
