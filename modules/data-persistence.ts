import { TerraformOutput, Token } from "cdktf";
import { Construct } from "constructs";
import { TableCatalog, findTable, hasStream, shortKey } from "../lib/catalog";
import { LambdaBundles, bundleLambdas } from "../lib/synth/bundle-lambdas";
import { BackupPlan } from "./backup-plan";
import { BackupPlanInputValues, BackupPlanVariables } from "./backup-plan-variables";
import { ChangeCapture } from "./change-capture";
import { ChangeCaptureInputValues, ChangeCaptureVariables } from "./change-capture-variables";
import { DataPersistenceInputValues, DataPersistenceVariables } from "./data-persistence-variables";
import { DynamoTables } from "./dynamo-tables";
import { ExportPipeline } from "./export-pipeline";
import { ExportPipelineInputValues, ExportPipelineVariables } from "./export-pipeline-variables";
import { HistoryQueries } from "./history-queries";
import { HistoryQueriesInputValues, HistoryQueriesVariables } from "./history-queries-variables";
import { PipelineContext } from "./pipeline-context";
import { RestoreTesting } from "./restore-testing";
import { RestoreTestingInputValues, RestoreTestingVariables } from "./restore-testing-variables";

/** Values for every module input, by Terraform variable name (the deployable stack's `deploy.inputs`). */
export type DataPersistenceModuleInputs = DataPersistenceInputValues &
  ExportPipelineInputValues &
  BackupPlanInputValues &
  ChangeCaptureInputValues &
  RestoreTestingInputValues &
  HistoryQueriesInputValues;

export interface DataPersistenceProps {
  readonly catalog: TableCatalog;
  /** Defaults for the module's variables (the deployable stack fills them from context). @default - module defaults */
  readonly defaults?: DataPersistenceModuleInputs;
  /** The export pipeline's Lambda zips. @default - bundled on first use (lib/synth/bundle-lambdas.ts) */
  readonly lambdaBundles?: LambdaBundles;
}

/**
 * The whole data-persistence module: its variables, the catalog's tables and the outputs.
 * Used unchanged by the module stack (synthesized for plain HCL consumers) and by the deployable stack.
 * Later capabilities (export pipeline, backup plans) attach here.
 */
export class DataPersistence extends Construct {
  public readonly variables: DataPersistenceVariables;
  public readonly tables: DynamoTables;
  public readonly exportPipeline: ExportPipeline;
  public readonly backupPlan: BackupPlan;
  public readonly changeCapture: ChangeCapture;
  public readonly restoreTesting: RestoreTesting;
  public readonly historyQueries: HistoryQueries;

  constructor(scope: Construct, id: string, props: DataPersistenceProps) {
    super(scope, id);
    this.variables = new DataPersistenceVariables(this, "variables", {
      catalog: props.catalog,
      defaults: props.defaults,
    });
    this.tables = this.createTables(props.catalog);
    // The export-and-verify pipeline and the AWS Backup plan (each switched by its own enable_* input).
    const context = new PipelineContext(this, "pipeline_context", {
      catalog: props.catalog,
      tables: this.tables.tables,
      prefixExpr: "var.prefix",
    });
    const pipelineVariables = new ExportPipelineVariables(this, "export_pipeline_variables", {
      catalog: props.catalog,
      defaults: props.defaults,
    });
    const bundles = props.lambdaBundles ?? bundleLambdas();
    this.exportPipeline = this.createExportPipeline(props, context, pipelineVariables, bundles);
    this.backupPlan = this.createBackupPlan(props, context);
    this.changeCapture = this.createChangeCapture(props, context, pipelineVariables, bundles);
    this.restoreTesting = this.createRestoreTesting(props, context, pipelineVariables, bundles);
    this.historyQueries = this.createHistoryQueries(props, context);
    this.tableOutputs(props.catalog);
    this.capabilityOutputs();
  }

  private createTables(catalog: TableCatalog): DynamoTables {
    return new DynamoTables(this, "tables", {
      catalog,
      prefixExpr: "var.prefix",
      pointInTimeTablesExpr: "var.enable_point_in_time_tables",
      pointInTimeRecoveryPeriodDaysExpr: "var.point_in_time_recovery_period_days",
      deletionProtectionExpr: "var.deletion_protection",
      kmsKeyArnExpr: "var.kms_key_arn",
      tableNameOverridesExpr: "var.table_name_overrides",
      tagsExpr: "var.tags",
    });
  }

  private createExportPipeline(
    props: DataPersistenceProps,
    context: PipelineContext,
    variables: ExportPipelineVariables,
    bundles: LambdaBundles,
  ): ExportPipeline {
    return new ExportPipeline(this, "pipeline", {
      catalog: props.catalog,
      context,
      variables,
      bundles,
      prefixExpr: "var.prefix",
      pointInTimeTablesExpr: "var.enable_point_in_time_tables",
      kmsKeyArnExpr: "var.kms_key_arn",
      tagsExpr: "var.tags",
    });
  }

  private createBackupPlan(props: DataPersistenceProps, context: PipelineContext): BackupPlan {
    return new BackupPlan(this, "backups", {
      context,
      variables: new BackupPlanVariables(this, "backup_plan_variables", {
        catalog: props.catalog,
        defaults: props.defaults,
      }),
      kmsKeyArnExpr: "var.kms_key_arn",
      tagsExpr: "var.tags",
    });
  }

  /** Change capture (switched by `change_capture_tables`): uses the pipeline's bucket, key, topic and Lambda inputs. */
  private createChangeCapture(
    props: DataPersistenceProps,
    context: PipelineContext,
    pipelineVariables: ExportPipelineVariables,
    bundles: LambdaBundles,
  ): ChangeCapture {
    const pipeline = this.exportPipeline.outputs;
    return new ChangeCapture(this, "capture", {
      catalog: props.catalog,
      context,
      tables: this.tables.tables,
      variables: new ChangeCaptureVariables(this, "change_capture_variables", {
        catalog: props.catalog,
        defaults: props.defaults,
      }),
      pipeline: {
        countExpr: this.exportPipeline.countExpr,
        bucketName: pipeline.bucket_name as string,
        bucketArn: pipeline.bucket_arn as string,
        kmsKeyArn: pipeline.kms_key_arn as string,
        alarmTopicArn: pipeline.alarm_topic_arn as string,
      },
      captureBundle: bundles["capture-changes"],
      sealBundle: bundles["seal-capture"],
      lambda: {
        runtime: pipelineVariables.lambdaRuntime.fqn,
        architecture: pipelineVariables.lambdaArchitecture.fqn,
        logRetentionDays: pipelineVariables.lambdaLogRetentionDays.fqn,
      },
      prefixExpr: "var.prefix",
      tagsExpr: "var.tags",
    });
  }

  /** AWS Backup restore testing of the backup plan's tables, validated against the pipeline's verified exports. */
  private createRestoreTesting(
    props: DataPersistenceProps,
    context: PipelineContext,
    pipelineVariables: ExportPipelineVariables,
    bundles: LambdaBundles,
  ): RestoreTesting {
    const backup = this.backupPlan.outputs;
    const pipeline = this.exportPipeline.outputs;
    const need = (outputs: Readonly<Record<string, string>>, key: string): string => {
      const e = outputs[key];
      if (e === undefined) throw new Error(`DataPersistence: no output expression ${key} for restore testing`);
      return e;
    };
    return new RestoreTesting(this, "restore_testing", {
      context,
      variables: new RestoreTestingVariables(this, "restore_testing_variables", { defaults: props.defaults }),
      dependencies: {
        backupTablesExpr: need(backup, "tables"),
        vaultArnExpr: need(backup, "vault_arn"),
        exportTablesExpr: need(pipeline, "export_tables"),
        bucketNameExpr: need(pipeline, "bucket_name"),
        bucketArnExpr: need(pipeline, "bucket_arn"),
        bucketKmsKeyArnExpr: need(pipeline, "kms_key_arn"),
        alarmTopicArnExpr: need(pipeline, "alarm_topic_arn"),
      },
      bundle: bundles["validate-restore-test"],
      prefixExpr: "var.prefix",
      tableKmsKeyArnExpr: "var.kms_key_arn",
      tagsExpr: "var.tags",
      runtimeExpr: pipelineVariables.lambdaRuntime.fqn,
      architectureExpr: pipelineVariables.lambdaArchitecture.fqn,
      logRetentionDaysExpr: pipelineVariables.lambdaLogRetentionDays.fqn,
    });
  }

  private createHistoryQueries(props: DataPersistenceProps, context: PipelineContext): HistoryQueries {
    const pipeline = this.exportPipeline.outputs;
    return new HistoryQueries(this, "history", {
      catalog: props.catalog,
      variables: new HistoryQueriesVariables(this, "history_queries_variables", { defaults: props.defaults }),
      pipeline: {
        countExpr: this.exportPipeline.countExpr,
        bucketNameExpr: pipeline.bucket_name as string,
        kmsKeyArnExpr: pipeline.kms_key_arn as string,
        accountIdExpr: context.accountIdExpr,
        nameBaseExpr: context.nameBaseExpr,
      },
      tagsExpr: "var.tags",
    });
  }

  /** `dynamo_tables`, `table_names`, `table_arns` and `point_in_time_tables`. */
  private tableOutputs(catalog: TableCatalog): void {
    const entries = [...this.tables.tables.entries()];
    output(this, "dynamo_tables", {
      description:
        "Every table by short key (access_tokens, collections, granules, …): { name, arn, stream_arn }. stream_arn is null for tables without a stream.",
      value: Object.fromEntries(
        entries.map(([catalogName, t]) => [
          shortKey(catalogName),
          {
            name: t.name,
            arn: t.arn,
            stream_arn: hasStream(findTable(catalog, catalogName)) ? t.streamArn : Token.nullValue(),
          },
        ]),
      ),
    });
    output(this, "table_names", {
      description: "Catalog table name (CollectionsTable, …) => physical DynamoDB table name.",
      value: Object.fromEntries(entries.map(([catalogName, t]) => [catalogName, t.name])),
    });
    output(this, "table_arns", {
      description: "Catalog table name => table ARN, e.g. for IAM policies of consumers.",
      value: Object.fromEntries(entries.map(([catalogName, t]) => [catalogName, t.arn])),
    });
    output(this, "point_in_time_tables", {
      description: "Catalog names of the tables with point-in-time recovery enabled.",
      value: this.variables.enablePointInTimeTables.listValue,
    });
  }

  /** `export_pipeline`, `backup_plan` and `change_capture`. */
  private capabilityOutputs(): void {
    output(this, "export_pipeline", {
      description:
        "The export-and-verify pipeline: { bucket_name, bucket_arn, exports_s3_uri, scan_work_s3_uri, kms_key_arn, alarm_topic_arn, export_state_machine_arn, restore_drill_state_machine_arn, export_tables }. Values are null (export_tables empty) when the pipeline is off; restore_drill_state_machine_arn is null without enable_restore_drill.",
      value: expressionMap(this.exportPipeline.outputs),
    });
    output(this, "backup_plan", {
      description:
        "The AWS Backup plan: { vault_name, vault_arn, plan_id, plan_arn, role_arn, tables }. Values are null (tables empty) when enable_backup_plan is false.",
      value: expressionMap(this.backupPlan.outputs),
    });
    // cdktf 0.20 does not write an output's `precondition`: it is added as an override.
    output(this, "change_capture", {
      description:
        "Change capture: { tables, capture_function_name, seal_function_name, failure_queue_url, failure_queue_arn }. Values are null (tables empty) when change_capture_tables is empty.",
      value: expressionMap(this.changeCapture.outputs),
    }).addOverride("precondition", [this.changeCapture.requirement]);
    output(this, "history_queries", {
      description:
        "Athena history queries: { database_name, workgroup_name, results_s3_uri }. Values are null when enable_history_queries is false.",
      value: expressionMap(this.historyQueries.outputs),
    }).addOverride("precondition", [this.historyQueries.requirement]);
  }
}

/** `{ key: "${<expression>}" }` for an output object. */
function expressionMap(expressions: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(expressions).map(([k, e]) => [k, `\${${e}}`]));
}

function output(
  scope: Construct,
  name: string,
  config: ConstructorParameters<typeof TerraformOutput>[2],
): TerraformOutput {
  const o = new TerraformOutput(scope, name, config);
  o.overrideLogicalId(name);
  return o;
}
