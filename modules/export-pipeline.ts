import { Construct } from "constructs";
import { TableCatalog } from "../lib/catalog";
import { EXPORTS_PREFIX, PIPELINE_FUNCTIONS, PipelineFunctionName, WORK_PREFIX } from "../lib/pipeline/config";
import { FUNCTION_POLICIES, PolicyRefs, schedulerPolicy } from "../lib/pipeline/iam";
import {
  CONFIG_PLACEHOLDER,
  exportStateMachine,
  functionPlaceholder,
  restoreDrillStateMachine,
} from "../lib/pipeline/state-machine";
import { LambdaBundles } from "../lib/synth/bundle-lambdas";
import { BackupBucket } from "./backup-bucket";
import { BackupKey } from "./backup-key";
import { ExportPipelineInputValues, ExportPipelineVariables } from "./export-pipeline-variables";
import { PipelineFunction } from "./lambda-function";
import { PipelineAlarms } from "./pipeline-alarms";
import { PipelineContext, local } from "./pipeline-context";
import { PipelineRole } from "./pipeline-role";
import { PipelineSchedule } from "./pipeline-schedule";
import { PipelineStateMachine } from "./pipeline-state-machine";

/** Terraform expressions (without `${}`) of the module's table inputs the pipeline keys on. */
export interface ExportPipelineProps {
  readonly catalog: TableCatalog;
  readonly context: PipelineContext;
  readonly variables: ExportPipelineVariables;
  /** The prebuilt Lambda zips. */
  readonly bundles: LambdaBundles;
  /** e.g. `var.prefix` */
  readonly prefixExpr: string;
  /** e.g. `var.enable_point_in_time_tables` */
  readonly pointInTimeTablesExpr: string;
  /** e.g. `var.kms_key_arn` (null → the module creates a key) */
  readonly kmsKeyArnExpr: string;
  /** e.g. `var.tags` */
  readonly tagsExpr: string;
}

/** Per-function settings. */
const FUNCTION_SETTINGS: Record<
  PipelineFunctionName,
  { memoryMb: number; timeoutSeconds: number; description: string }
> = {
  "plan-exports": { memoryMb: 256, timeoutSeconds: 60, description: "Plans which tables to export or drill, and how." },
  "native-export": {
    memoryMb: 256,
    timeoutSeconds: 60,
    description: "Starts and polls DynamoDB native exports (ExportTableToPointInTime).",
  },
  "scan-export": {
    memoryMb: 1024,
    timeoutSeconds: 900,
    description: "Exports a table without PITR by parallel scan, resumable, in DynamoDB's export format.",
  },
  "verify-export": {
    memoryMb: 1024,
    timeoutSeconds: 900,
    description: "Verifies an export: md5 and item count of every data file; writes a report; emits metrics.",
  },
  "restore-drill": {
    memoryMb: 512,
    timeoutSeconds: 300,
    description: "Restore drill: imports the latest verified export into a scratch table and compares.",
  },
  notify: { memoryMb: 256, timeoutSeconds: 30, description: "Publishes pipeline failures to the alarm topic." },
};

/**
 * The scheduled export-and-verify pipeline: backup key and bucket, the Lambdas, the export and restore-drill state
 * machines, their schedules, and the alarms. Everything is created only when `enable_export_pipeline` is true and at
 * least one table is to be exported; the restore drill only when `enable_restore_drill` is true too.
 */
export class ExportPipeline extends Construct {
  /** Expressions (without `${}`) for the module's outputs; null when the pipeline is off. */
  public readonly outputs: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: ExportPipelineProps) {
    super(scope, id);
    const ctx = props.context;
    const tags = props.tagsExpr;
    const base = ctx.nameBaseExpr;

    local(
      this,
      "export_tables",
      `\${sort(distinct(${V("export_tables")} == null ? ${props.pointInTimeTablesExpr} : ${V("export_tables")}))}`,
    );
    local(
      this,
      "export_pipeline_count",
      `\${${V("enable_export_pipeline")} && length(local.export_tables) > 0 ? 1 : 0}`,
    );
    local(this, "restore_drill_count", `\${local.export_pipeline_count == 1 && ${V("enable_restore_drill")} ? 1 : 0}`);
    local(
      this,
      "export_config",
      `\${{ tables = [for t in local.export_tables : { table = t, tableName = ${ctx.tableNamesExpr}[t], tableArn = ${ctx.tableArnsExpr}[t], pitr = contains(${props.pointInTimeTablesExpr}, t) }] }}`,
    );
    local(this, "export_table_arns", `\${[for t in local.export_tables : ${ctx.tableArnsExpr}[t]]}`);
    local(
      this,
      "native_export_table_arns",
      `\${[for t in local.export_tables : ${ctx.tableArnsExpr}[t] if contains(${props.pointInTimeTablesExpr}, t)]}`,
    );
    local(
      this,
      "scan_export_table_arns",
      `\${[for t in local.export_tables : ${ctx.tableArnsExpr}[t] if !contains(${props.pointInTimeTablesExpr}, t)]}`,
    );
    local(
      this,
      "incremental_export_count",
      `\${local.export_pipeline_count == 1 && ${V("incremental_export_interval")} != null && length(local.native_export_table_arns) > 0 ? 1 : 0}`,
    );
    local(
      this,
      "backup_kms_key_arn",
      `\${${props.kmsKeyArnExpr} != null ? ${props.kmsKeyArnExpr} : one(aws_kms_key.backup_key[*].arn)}`,
    );
    const count = "local.export_pipeline_count";
    const drillCount = "local.restore_drill_count";

    new BackupKey(this, "key", {
      countExpr: `local.export_pipeline_count == 1 && ${props.kmsKeyArnExpr} == null ? 1 : 0`,
      nameBaseExpr: base,
      accountIdExpr: ctx.accountIdExpr,
      partitionExpr: ctx.partitionExpr,
      tagsExpr: tags,
    });

    const bucket = new BackupBucket(this, "bucket", {
      countExpr: count,
      prefixExpr: props.prefixExpr,
      tagsExpr: tags,
      kmsKeyArnExpr: "local.backup_kms_key_arn",
      bucketNameExpr: V("backup_bucket_name"),
      transitionDaysExpr: V("backup_transition_days"),
      transitionStorageClassExpr: V("backup_transition_storage_class"),
      expirationDaysExpr: V("backup_expiration_days"),
      noncurrentExpirationDaysExpr: V("backup_noncurrent_version_expiration_days"),
      objectLockModeExpr: V("backup_object_lock_mode"),
      objectLockDaysExpr: V("backup_object_lock_days"),
    });

    const topicArn = "aws_sns_topic.alarm_topic[0].arn";
    const arnPrefix = (service: string): string =>
      `arn:\${${ctx.partitionExpr}}:${service}:\${${ctx.regionExpr}}:\${${ctx.accountIdExpr}}`;
    const drillTablePrefix = `\${${base}}-drill-`;
    const refs: PolicyRefs = {
      exportTableArns: "local.export_table_arns",
      nativeExportTableArns: "local.native_export_table_arns",
      scanExportTableArns: "local.scan_export_table_arns",
      bucketArn: bucket.arnExpr,
      kmsKeyArn: "local.backup_kms_key_arn",
      topicArn,
      drillTableArnPattern: `${arnPrefix("dynamodb")}:table/${drillTablePrefix}*`,
      dynamodbLogGroupArnPattern: `${arnPrefix("logs")}:log-group:/aws-dynamodb/*`,
    };

    const common: Record<string, string> = {
      DEPLOYMENT: `\${${props.prefixExpr}}`,
      BACKUP_BUCKET: `\${${bucket.nameExpr}}`,
      BACKUP_KMS_KEY_ARN: "${local.backup_kms_key_arn}",
    };
    const environment: Record<PipelineFunctionName, Record<string, string>> = {
      "plan-exports": { ...common, SCAN_SEGMENTS: `\${${V("scan_export_segments")}}` },
      "native-export": common,
      "scan-export": common,
      "verify-export": common,
      "restore-drill": {
        ...common,
        DRILL_TABLE_PREFIX: drillTablePrefix,
        DRILL_SAMPLE_SIZE: `\${${V("restore_drill_sample_size")}}`,
      },
      notify: { ...common, ALARM_TOPIC_ARN: `\${${topicArn}}` },
    };

    const functions = {} as Record<PipelineFunctionName, PipelineFunction>;
    for (const name of Object.keys(PIPELINE_FUNCTIONS) as PipelineFunctionName[]) {
      const snake = name.replace(/-/g, "_");
      const settings = FUNCTION_SETTINGS[name];
      functions[name] = new PipelineFunction(this, snake, {
        logicalBase: snake,
        bundle: props.bundles[name],
        functionName: `\${${base}}-ddb-${name}`,
        roleName: `\${${base}}-ddb-${name}`,
        statements: (logGroupArn) => FUNCTION_POLICIES[name](refs, logGroupArn),
        runtimeExpr: V("lambda_runtime"),
        architectureExpr: V("lambda_architecture"),
        logRetentionDaysExpr: V("lambda_log_retention_days"),
        // The restore drill's function exists only with the drill.
        countExpr: name === "restore-drill" ? drillCount : count,
        tagsExpr: tags,
        environment: environment[name],
        memoryMb: settings.memoryMb,
        timeoutSeconds: settings.timeoutSeconds,
        description: settings.description,
      });
    }
    const arnOf = (name: PipelineFunctionName): string => functions[name].arnExpr;
    const placeholders = {
      functionArn: functionPlaceholder,
      config: CONFIG_PLACEHOLDER,
    };

    const exportMachine = new PipelineStateMachine(this, "export_machine", {
      logicalBase: "export",
      name: `\${${base}}-ddb-export`,
      roleName: `\${${base}}-ddb-export-sfn`,
      definition: exportStateMachine(placeholders),
      configExpr: "local.export_config",
      functionArnExprs: {
        "plan-exports": arnOf("plan-exports"),
        "native-export": arnOf("native-export"),
        "scan-export": arnOf("scan-export"),
        "verify-export": arnOf("verify-export"),
        notify: arnOf("notify"),
      },
      countExpr: count,
      tagsExpr: tags,
    });
    const drillMachine = new PipelineStateMachine(this, "drill_machine", {
      logicalBase: "restore_drill",
      name: `\${${base}}-ddb-restore-drill`,
      roleName: `\${${base}}-ddb-restore-drill-sfn`,
      definition: restoreDrillStateMachine(placeholders),
      configExpr: "local.export_config",
      functionArnExprs: {
        "plan-exports": arnOf("plan-exports"),
        "restore-drill": arnOf("restore-drill"),
        notify: arnOf("notify"),
      },
      countExpr: drillCount,
      tagsExpr: tags,
    });

    const schedulerRole = new PipelineRole(this, "scheduler_role", {
      logicalBase: "scheduler",
      roleName: `\${${base}}-ddb-scheduler`,
      servicePrincipal: "scheduler.amazonaws.com",
      statements: schedulerPolicy(
        `compact([${exportMachine.arnExpr}, one(aws_sfn_state_machine.restore_drill_state_machine[*].arn)])`,
      ),
      countExpr: count,
      tagsExpr: tags,
      sourceAccountExpr: ctx.accountIdExpr,
    });
    new PipelineSchedule(this, "full_export_schedule", {
      logicalId: "full_export_schedule",
      name: `\${${base}}-ddb-full-export`,
      description: "Full export and verification of the DynamoDB tables.",
      scheduleExpr: V("export_schedule"),
      timezoneExpr: V("export_schedule_timezone"),
      stateMachineArnExpr: exportMachine.arnExpr,
      roleArnExpr: schedulerRole.arnExpr,
      input: { mode: "FULL" },
      countExpr: count,
    });
    new PipelineSchedule(this, "incremental_export_schedule", {
      logicalId: "incremental_export_schedule",
      name: `\${${base}}-ddb-incremental-export`,
      description: "Incremental export (since the last verified export) and verification of the PITR tables.",
      scheduleExpr: V("incremental_export_interval"),
      timezoneExpr: V("export_schedule_timezone"),
      stateMachineArnExpr: exportMachine.arnExpr,
      roleArnExpr: schedulerRole.arnExpr,
      input: { mode: "INCREMENTAL" },
      countExpr: "local.incremental_export_count",
    });
    new PipelineSchedule(this, "restore_drill_schedule", {
      logicalId: "restore_drill_schedule",
      name: `\${${base}}-ddb-restore-drill`,
      description: "Restore drill of the latest verified export of each exported table.",
      scheduleExpr: V("restore_drill_schedule"),
      timezoneExpr: V("export_schedule_timezone"),
      stateMachineArnExpr: drillMachine.arnExpr,
      roleArnExpr: schedulerRole.arnExpr,
      input: {},
      countExpr: drillCount,
    });

    new PipelineAlarms(this, "alarms", {
      countExpr: count,
      drillCountExpr: drillCount,
      prefixExpr: props.prefixExpr,
      nameBaseExpr: base,
      tagsExpr: tags,
      // CloudWatch alarms can publish to a topic encrypted with the module's key (its policy allows them); a key of
      // your own (kms_key_arn) may not, so then the topic uses no customer key.
      topicKmsKeyExpr: "one(aws_kms_key.backup_key[*].arn)",
      subscriptionsExpr: V("alarm_subscriptions"),
      exportTablesExpr: "local.export_tables",
      maxExportAgeHoursExpr: V("max_export_age_hours"),
      exportStateMachineArnExpr: exportMachine.arnExpr,
      drillStateMachineArnExpr: drillMachine.arnExpr,
    });

    const bucketName = "one(aws_s3_bucket.backup_bucket[*].bucket)";
    this.outputs = {
      bucket_name: bucketName,
      bucket_arn: "one(aws_s3_bucket.backup_bucket[*].arn)",
      exports_s3_uri: `${bucketName} == null ? null : "s3://\${${bucketName}}/${EXPORTS_PREFIX}/"`,
      scan_work_s3_uri: `${bucketName} == null ? null : "s3://\${${bucketName}}/${WORK_PREFIX}/"`,
      kms_key_arn: "local.export_pipeline_count == 1 ? local.backup_kms_key_arn : null",
      alarm_topic_arn: "one(aws_sns_topic.alarm_topic[*].arn)",
      export_state_machine_arn: "one(aws_sfn_state_machine.export_state_machine[*].arn)",
      restore_drill_state_machine_arn: "one(aws_sfn_state_machine.restore_drill_state_machine[*].arn)",
      export_tables: "local.export_pipeline_count == 1 ? local.export_tables : []",
    };
  }
}

/** `var.<name>` of one of the pipeline's variables (declared by ExportPipelineVariables under exactly that name). */
function V(name: keyof ExportPipelineInputValues): string {
  return `var.${name}`;
}
