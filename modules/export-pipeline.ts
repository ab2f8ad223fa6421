import { Construct } from "constructs";
import { ROLE_BASES, RESOURCE_NAMES, STATE_MACHINE_BASES, functionBase } from "../lib/addresses";
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
import { AlarmTopic } from "./alarm-topic";
import { BackupBucket } from "./backup-bucket";
import { BackupKey } from "./backup-key";
import { ExportPipelineInputValues, ExportPipelineVariables } from "./export-pipeline-variables";
import { PipelineFunction } from "./lambda-function";
import { PipelineAlarms } from "./pipeline-alarms";
import { PipelineContext, local } from "./pipeline-context";
import { PipelineRole } from "./pipeline-role";
import { PipelineSchedule } from "./pipeline-schedule";
import { PipelineStateMachine } from "./pipeline-state-machine";
import { localRef } from "./refs";

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

/** The pipeline's Terraform locals (expressions without `${}`): which tables, and whether anything exists. */
interface PipelineLocals {
  /** Catalog names of the exported tables. */
  readonly exportTables: string;
  /** 1 when the pipeline exists. */
  readonly count: string;
  /** 1 when the restore drill exists. */
  readonly drillCount: string;
  /** 1 when the incremental schedule exists. */
  readonly incrementalCount: string;
  /** The configuration object the state machines get. */
  readonly exportConfig: string;
  readonly exportTableArns: string;
  readonly nativeExportTableArns: string;
  readonly scanExportTableArns: string;
}

/** The state machines of the pipeline. */
interface PipelineMachines {
  readonly export: PipelineStateMachine;
  readonly drill: PipelineStateMachine;
}

/**
 * The scheduled export-and-verify pipeline: backup key and bucket, the Lambdas, the export and restore-drill state
 * machines, their schedules, and the alarms. Everything is created only when `enable_export_pipeline` is true and at
 * least one table is to be exported; the restore drill only when `enable_restore_drill` is true too.
 */
export class ExportPipeline extends Construct {
  /** Expressions (without `${}`) for the module's outputs; null when the pipeline is off. */
  public readonly outputs: Readonly<Record<string, string>>;
  /** 1 when the pipeline (backup bucket, key, alarm topic) exists, else 0 (an expression without `${}`). */
  public readonly countExpr: string;
  private readonly props: ExportPipelineProps;
  private readonly ctx: PipelineContext;
  private readonly locals: PipelineLocals;

  constructor(scope: Construct, id: string, props: ExportPipelineProps) {
    super(scope, id);
    this.props = props;
    this.ctx = props.context;
    this.locals = this.defineLocals();
    this.countExpr = this.locals.count;
    const key = this.createKey();
    const kmsKeyArn = this.keyInUse(key);
    const bucket = this.createBucket(kmsKeyArn);
    const topic = this.createAlarmTopic(key);
    const functions = this.createFunctions(bucket, kmsKeyArn, topic);
    const machines = this.createStateMachines(functions);
    this.createSchedules(machines);
    this.createAlarms(topic, machines);
    this.outputs = this.outputExpressions(bucket, kmsKeyArn, topic, machines);
  }

  private defineLocals(): PipelineLocals {
    const pitrTables = this.props.pointInTimeTablesExpr;
    const tableArns = this.ctx.tableArnsExpr;
    const def = (name: string, expression: string): string => localRef(local(this, name, `\${${expression}}`));
    const exportTables = def(
      "export_tables",
      `sort(distinct(${V("export_tables")} == null ? ${pitrTables} : ${V("export_tables")}))`,
    );
    const count = def("export_pipeline_count", `${V("enable_export_pipeline")} && length(${exportTables}) > 0 ? 1 : 0`);
    const drillCount = def("restore_drill_count", `${count} == 1 && ${V("enable_restore_drill")} ? 1 : 0`);
    const exportConfig = def(
      "export_config",
      `{ tables = [for t in ${exportTables} : { table = t, tableName = ${this.ctx.tableNamesExpr}[t], tableArn = ${tableArns}[t], pitr = contains(${pitrTables}, t) }] }`,
    );
    const exportTableArns = def("export_table_arns", `[for t in ${exportTables} : ${tableArns}[t]]`);
    const nativeExportTableArns = def(
      "native_export_table_arns",
      `[for t in ${exportTables} : ${tableArns}[t] if contains(${pitrTables}, t)]`,
    );
    const scanExportTableArns = def(
      "scan_export_table_arns",
      `[for t in ${exportTables} : ${tableArns}[t] if !contains(${pitrTables}, t)]`,
    );
    const incrementalCount = def(
      "incremental_export_count",
      `${count} == 1 && ${V("incremental_export_interval")} != null && length(${nativeExportTableArns}) > 0 ? 1 : 0`,
    );
    return {
      exportTables,
      count,
      drillCount,
      incrementalCount,
      exportConfig,
      exportTableArns,
      nativeExportTableArns,
      scanExportTableArns,
    };
  }

  /** The module's own key, unless `kms_key_arn` names one. */
  private createKey(): BackupKey {
    return new BackupKey(this, "key", {
      countExpr: `${this.locals.count} == 1 && ${this.props.kmsKeyArnExpr} == null ? 1 : 0`,
      nameBaseExpr: this.ctx.nameBaseExpr,
      accountIdExpr: this.ctx.accountIdExpr,
      partitionExpr: this.ctx.partitionExpr,
      tagsExpr: this.props.tagsExpr,
    });
  }

  /** `local.backup_kms_key_arn`: the key of `kms_key_arn`, else the module's own. */
  private keyInUse(key: BackupKey): string {
    const given = this.props.kmsKeyArnExpr;
    return localRef(local(this, "backup_kms_key_arn", `\${${given} != null ? ${given} : ${key.arnOrNullExpr}}`));
  }

  private createBucket(kmsKeyArnExpr: string): BackupBucket {
    return new BackupBucket(this, "bucket", {
      countExpr: this.locals.count,
      prefixExpr: this.props.prefixExpr,
      tagsExpr: this.props.tagsExpr,
      kmsKeyArnExpr,
      bucketNameExpr: V("backup_bucket_name"),
      transitionDaysExpr: V("backup_transition_days"),
      transitionStorageClassExpr: V("backup_transition_storage_class"),
      expirationDaysExpr: V("backup_expiration_days"),
      noncurrentExpirationDaysExpr: V("backup_noncurrent_version_expiration_days"),
      objectLockModeExpr: V("backup_object_lock_mode"),
      objectLockDaysExpr: V("backup_object_lock_days"),
    });
  }

  private createAlarmTopic(key: BackupKey): AlarmTopic {
    return new AlarmTopic(this, "alarm_topic", {
      countExpr: this.locals.count,
      nameBaseExpr: this.ctx.nameBaseExpr,
      tagsExpr: this.props.tagsExpr,
      // CloudWatch alarms can publish to a topic encrypted with the module's key (its policy allows them); a key of
      // your own (kms_key_arn) may not, so then the topic uses no customer key.
      kmsKeyExpr: key.arnOrNullExpr,
      subscriptionsExpr: V("alarm_subscriptions"),
    });
  }

  /** One Lambda per pipeline function, each with its own least-privilege role. */
  private createFunctions(
    bucket: BackupBucket,
    kmsKeyArn: string,
    topic: AlarmTopic,
  ): Record<PipelineFunctionName, PipelineFunction> {
    const base = this.ctx.nameBaseExpr;
    const refs = this.policyRefs(bucket, kmsKeyArn, topic);
    const environment = this.functionEnvironments(bucket, kmsKeyArn, topic);
    const functions = {} as Record<PipelineFunctionName, PipelineFunction>;
    for (const name of Object.keys(PIPELINE_FUNCTIONS) as PipelineFunctionName[]) {
      const logicalBase = functionBase(name);
      const settings = FUNCTION_SETTINGS[name];
      functions[name] = new PipelineFunction(this, logicalBase, {
        logicalBase,
        bundle: this.props.bundles[name],
        functionName: `\${${base}}-ddb-${name}`,
        roleName: `\${${base}}-ddb-${name}`,
        statements: (logGroupArn) => FUNCTION_POLICIES[name](refs, logGroupArn),
        runtimeExpr: V("lambda_runtime"),
        architectureExpr: V("lambda_architecture"),
        logRetentionDaysExpr: V("lambda_log_retention_days"),
        // The restore drill's function exists only with the drill.
        countExpr: name === "restore-drill" ? this.locals.drillCount : this.locals.count,
        tagsExpr: this.props.tagsExpr,
        environment: environment[name],
        memoryMb: settings.memoryMb,
        timeoutSeconds: settings.timeoutSeconds,
        description: settings.description,
      });
    }
    return functions;
  }

  /** What the functions' policies may touch (lib/pipeline/iam.ts). */
  private policyRefs(bucket: BackupBucket, kmsKeyArn: string, topic: AlarmTopic): PolicyRefs {
    const ctx = this.ctx;
    const arnPrefix = (service: string): string =>
      `arn:\${${ctx.partitionExpr}}:${service}:\${${ctx.regionExpr}}:\${${ctx.accountIdExpr}}`;
    return {
      exportTableArns: this.locals.exportTableArns,
      nativeExportTableArns: this.locals.nativeExportTableArns,
      scanExportTableArns: this.locals.scanExportTableArns,
      bucketArn: bucket.arnExpr,
      kmsKeyArn,
      topicArn: topic.arnExpr,
      drillTableArnPattern: `${arnPrefix("dynamodb")}:table/${this.drillTablePrefix()}*`,
      dynamodbLogGroupArnPattern: `${arnPrefix("logs")}:log-group:/aws-dynamodb/*`,
    };
  }

  /** Each function's environment variables (Terraform template strings). */
  private functionEnvironments(
    bucket: BackupBucket,
    kmsKeyArn: string,
    topic: AlarmTopic,
  ): Record<PipelineFunctionName, Record<string, string>> {
    const common: Record<string, string> = {
      DEPLOYMENT: `\${${this.props.prefixExpr}}`,
      BACKUP_BUCKET: `\${${bucket.nameExpr}}`,
      BACKUP_KMS_KEY_ARN: `\${${kmsKeyArn}}`,
    };
    return {
      "plan-exports": { ...common, SCAN_SEGMENTS: `\${${V("scan_export_segments")}}` },
      "native-export": common,
      "scan-export": common,
      "verify-export": common,
      "restore-drill": {
        ...common,
        DRILL_TABLE_PREFIX: this.drillTablePrefix(),
        DRILL_SAMPLE_SIZE: `\${${V("restore_drill_sample_size")}}`,
      },
      notify: { ...common, ALARM_TOPIC_ARN: `\${${topic.arnExpr}}` },
    };
  }

  /** Restore drills create their scratch tables under this name prefix (a Terraform template string). */
  private drillTablePrefix(): string {
    return `\${${this.ctx.nameBaseExpr}}-drill-`;
  }

  private createStateMachines(functions: Record<PipelineFunctionName, PipelineFunction>): PipelineMachines {
    const base = this.ctx.nameBaseExpr;
    const arnOf = (name: PipelineFunctionName): string => functions[name].arnExpr;
    const placeholders = { functionArn: functionPlaceholder, config: CONFIG_PLACEHOLDER };
    const exportMachine = new PipelineStateMachine(this, "export_machine", {
      logicalBase: STATE_MACHINE_BASES.export,
      name: `\${${base}}-ddb-export`,
      roleName: `\${${base}}-ddb-export-sfn`,
      definition: exportStateMachine(placeholders),
      configExpr: this.locals.exportConfig,
      functionArnExprs: {
        "plan-exports": arnOf("plan-exports"),
        "native-export": arnOf("native-export"),
        "scan-export": arnOf("scan-export"),
        "verify-export": arnOf("verify-export"),
        notify: arnOf("notify"),
      },
      countExpr: this.locals.count,
      tagsExpr: this.props.tagsExpr,
    });
    const drillMachine = new PipelineStateMachine(this, "drill_machine", {
      logicalBase: STATE_MACHINE_BASES.restoreDrill,
      name: `\${${base}}-ddb-restore-drill`,
      roleName: `\${${base}}-ddb-restore-drill-sfn`,
      definition: restoreDrillStateMachine(placeholders),
      configExpr: this.locals.exportConfig,
      functionArnExprs: {
        "plan-exports": arnOf("plan-exports"),
        "restore-drill": arnOf("restore-drill"),
        notify: arnOf("notify"),
      },
      countExpr: this.locals.drillCount,
      tagsExpr: this.props.tagsExpr,
    });
    return { export: exportMachine, drill: drillMachine };
  }

  /** The scheduler's role, and the full, incremental and restore-drill schedules. */
  private createSchedules(machines: PipelineMachines): void {
    const base = this.ctx.nameBaseExpr;
    const schedulerRole = new PipelineRole(this, "scheduler_role", {
      logicalBase: ROLE_BASES.scheduler,
      roleName: `\${${base}}-ddb-scheduler`,
      servicePrincipal: "scheduler.amazonaws.com",
      statements: schedulerPolicy(`compact([${machines.export.arnExpr}, ${machines.drill.arnOrNullExpr}])`),
      countExpr: this.locals.count,
      tagsExpr: this.props.tagsExpr,
      sourceAccountExpr: this.ctx.accountIdExpr,
    });
    const common = {
      timezoneExpr: V("export_schedule_timezone"),
      roleArnExpr: schedulerRole.arnExpr,
    };
    new PipelineSchedule(this, "full_export_schedule", {
      ...common,
      logicalId: RESOURCE_NAMES.fullExportSchedule,
      name: `\${${base}}-ddb-full-export`,
      description: "Full export and verification of the DynamoDB tables.",
      scheduleExpr: V("export_schedule"),
      stateMachineArnExpr: machines.export.arnExpr,
      input: { mode: "FULL" },
      countExpr: this.locals.count,
    });
    new PipelineSchedule(this, "incremental_export_schedule", {
      ...common,
      logicalId: RESOURCE_NAMES.incrementalExportSchedule,
      name: `\${${base}}-ddb-incremental-export`,
      description: "Incremental export (since the last verified export) and verification of the PITR tables.",
      scheduleExpr: V("incremental_export_interval"),
      stateMachineArnExpr: machines.export.arnExpr,
      input: { mode: "INCREMENTAL" },
      countExpr: this.locals.incrementalCount,
    });
    new PipelineSchedule(this, "restore_drill_schedule", {
      ...common,
      logicalId: RESOURCE_NAMES.restoreDrillSchedule,
      name: `\${${base}}-ddb-restore-drill`,
      description: "Restore drill of the latest verified export of each exported table.",
      scheduleExpr: V("restore_drill_schedule"),
      stateMachineArnExpr: machines.drill.arnExpr,
      input: {},
      countExpr: this.locals.drillCount,
    });
  }

  private createAlarms(topic: AlarmTopic, machines: PipelineMachines): void {
    new PipelineAlarms(this, "alarms", {
      countExpr: this.locals.count,
      drillCountExpr: this.locals.drillCount,
      prefixExpr: this.props.prefixExpr,
      tagsExpr: this.props.tagsExpr,
      topic,
      exportTablesExpr: this.locals.exportTables,
      maxExportAgeHoursExpr: V("max_export_age_hours"),
      exportMachine: machines.export,
      drillMachine: machines.drill,
    });
  }

  private outputExpressions(
    bucket: BackupBucket,
    kmsKeyArn: string,
    topic: AlarmTopic,
    machines: PipelineMachines,
  ): Record<string, string> {
    const bucketName = bucket.nameOrNullExpr;
    return {
      bucket_name: bucketName,
      bucket_arn: bucket.arnOrNullExpr,
      exports_s3_uri: `${bucketName} == null ? null : "s3://\${${bucketName}}/${EXPORTS_PREFIX}/"`,
      scan_work_s3_uri: `${bucketName} == null ? null : "s3://\${${bucketName}}/${WORK_PREFIX}/"`,
      kms_key_arn: `${this.locals.count} == 1 ? ${kmsKeyArn} : null`,
      alarm_topic_arn: topic.arnOrNullExpr,
      export_state_machine_arn: machines.export.arnOrNullExpr,
      restore_drill_state_machine_arn: machines.drill.arnOrNullExpr,
      export_tables: `${this.locals.count} == 1 ? ${this.locals.exportTables} : []`,
    };
  }
}

/** `var.<name>` of one of the pipeline's variables (declared by ExportPipelineVariables under exactly that name). */
function V(name: keyof ExportPipelineInputValues): string {
  return `var.${name}`;
}
