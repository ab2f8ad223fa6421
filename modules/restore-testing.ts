import { BackupRestoreTestingPlan } from "@cdktf/provider-aws/lib/backup-restore-testing-plan";
import { BackupRestoreTestingSelection } from "@cdktf/provider-aws/lib/backup-restore-testing-selection";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { TerraformOutput, Token } from "cdktf";
import { Construct } from "constructs";
import { PUBLIC_RESOURCE_NAMES, RESOURCE_NAMES, ROLE_BASES, functionBase } from "../lib/addresses";
import {
  PROTECTED_RESOURCE_TYPE,
  RECOVERY_POINT_ALGORITHM,
  RECOVERY_POINT_SELECTION_WINDOW_DAYS,
  RECOVERY_POINT_TYPES,
  RESTORE_EVENT_DETAIL_TYPE,
  RESTORE_EVENT_SOURCE,
  RESTORE_EVENT_STATUS,
  RESTORE_TEST_ENV,
  RESTORE_TESTING_START_WINDOW_HOURS,
} from "../lib/restore-testing/config";
import {
  RestoreTestingPolicyRefs,
  restoreTestingRolePolicy,
  validationFunctionPolicy,
} from "../lib/restore-testing/iam";
import { LambdaBundle } from "../lib/synth/bundle-lambdas";
import { PipelineFunction } from "./lambda-function";
import { PipelineContext, local } from "./pipeline-context";
import { PipelineRole } from "./pipeline-role";
import { localRef, oneOrNull, only } from "./refs";
import { RestoreTestingInputValues, RestoreTestingVariables } from "./restore-testing-variables";

/** The validation function's name (bundle and resource base). */
const FUNCTION_NAME = "validate-restore-test";
/** Lambda errors are counted over this period (seconds) by the errors alarm. */
export const RESTORE_TEST_ERRORS_PERIOD_SECONDS = 300;
/** Restore testing plan and selection names allow letters, digits and underscores only. */
const NAME_CHARACTERS_NOT_ALLOWED = "/[^a-zA-Z0-9_]/";

/** Expressions (without `${}`) of what restore testing builds on: the backup plan's and the pipeline's outputs. */
export interface RestoreTestingDependencies {
  /** List of the catalog names the backup plan protects (empty when it is off). */
  readonly backupTablesExpr: string;
  /** The backup vault's ARN (null when the plan is off). */
  readonly vaultArnExpr: string;
  /** List of the exported tables' catalog names (empty when the pipeline is off). */
  readonly exportTablesExpr: string;
  readonly bucketNameExpr: string;
  readonly bucketArnExpr: string;
  /** The key of the backup bucket and the alarm topic. */
  readonly bucketKmsKeyArnExpr: string;
  readonly alarmTopicArnExpr: string;
}

export interface RestoreTestingProps {
  readonly context: PipelineContext;
  readonly variables: RestoreTestingVariables;
  readonly dependencies: RestoreTestingDependencies;
  /** The validation Lambda's zip. */
  readonly bundle: LambdaBundle;
  /** e.g. `var.prefix` */
  readonly prefixExpr: string;
  /** The tables' customer-managed key, or null (e.g. `var.kms_key_arn`). */
  readonly tableKmsKeyArnExpr: string;
  /** e.g. `var.tags` */
  readonly tagsExpr: string;
  /** The pipeline's Lambda settings (e.g. `var.lambda_runtime`), shared by every function of the module. */
  readonly runtimeExpr: string;
  readonly architectureExpr: string;
  readonly logRetentionDaysExpr: string;
  /** @default 512 */
  readonly memoryMb?: number;
  /** @default 900 (a COUNT scan of a large restored table takes a while) */
  readonly timeoutSeconds?: number;
}

/**
 * AWS Backup restore testing of the backed-up tables (`enable_restore_testing`): a restore testing plan that restores
 * the newest recovery point in the module's vault on a schedule, a selection of the backup plan's tables kept for
 * `restore_testing_validation_window_hours`, and a validation Lambda, started by an EventBridge rule when a restore
 * test completes, that compares the restored table with the table's latest verified export and reports the result
 * with PutRestoreValidationResult. Failed validations alert the alarm topic; so does the errors alarm.
 */
export class RestoreTesting extends Construct {
  /** Expressions (without `${}`) for the `restore_testing` output; null when restore testing is off. */
  public readonly outputs: Readonly<Record<string, string>>;
  private readonly props: RestoreTestingProps;
  private readonly countExpr: string;
  private readonly count: number;
  private readonly tags: Record<string, string>;

  constructor(scope: Construct, id: string, props: RestoreTestingProps) {
    super(scope, id);
    this.props = props;
    const tables = this.defineLocals();
    this.countExpr = tables.count;
    this.count = Token.asNumber(`\${${tables.count}}`);
    this.tags = Token.asStringMap(`\${${props.tagsExpr}}`);
    const refs = this.policyRefs(tables.arns);
    const plan = this.createPlan();
    const selection = this.selectTables(plan, refs, tables.arns);
    const fn = this.createFunction(refs, tables.names);
    const rule = this.triggerOnCompletedTests(plan, fn);
    this.createErrorsAlarm(fn);
    this.outputs = {
      plan_name: oneOrNull(plan, "name"),
      plan_arn: oneOrNull(plan, "arn"),
      selection_name: oneOrNull(selection, "name"),
      validation_function_name: oneOrNull(fn.function, "functionName"),
      event_rule_arn: oneOrNull(rule, "arn"),
      tables: `${tables.count} == 1 ? ${tables.names} : []`,
    };
    this.output();
  }

  /** Which tables are tested (the backup plan's), their ARNs, and whether restore testing exists. */
  private defineLocals(): { names: string; arns: string; count: string } {
    const d = this.props.dependencies;
    const def = (name: string, expression: string): string => localRef(local(this, name, `\${${expression}}`));
    const count = def(
      "restore_testing_count",
      `${V("enable_restore_testing")} && length(${d.backupTablesExpr}) > 0 && length(${d.exportTablesExpr}) > 0 ? 1 : 0`,
    );
    const arns = def(
      "restore_testing_table_arns",
      `[for t in ${d.backupTablesExpr} : ${this.props.context.tableArnsExpr}[t]]`,
    );
    return { names: d.backupTablesExpr, arns, count };
  }

  private policyRefs(tableArns: string): RestoreTestingPolicyRefs {
    const ctx = this.props.context;
    const d = this.props.dependencies;
    return {
      tableArns,
      restoredTableArnPattern: `arn:\${${ctx.partitionExpr}}:dynamodb:\${${ctx.regionExpr}}:\${${ctx.accountIdExpr}}:table/*`,
      tableKmsKeyArns: `compact([${this.props.tableKmsKeyArnExpr}])`,
      bucketArn: d.bucketArnExpr,
      kmsKeyArn: d.bucketKmsKeyArnExpr,
      topicArn: d.alarmTopicArnExpr,
    };
  }

  /** `<base>_ddb_restore_test`, in the characters restore testing names allow. */
  private underscoredName(suffix: string): string {
    return `\${replace(${this.props.context.nameBaseExpr}, "${NAME_CHARACTERS_NOT_ALLOWED}", "_")}_${suffix}`;
  }

  private createPlan(): BackupRestoreTestingPlan {
    const plan = new BackupRestoreTestingPlan(this, "plan", {
      count: this.count,
      name: this.underscoredName("ddb_restore_test"),
      scheduleExpression: `\${${V("restore_testing_schedule")}}`,
      startWindowHours: RESTORE_TESTING_START_WINDOW_HOURS,
      recoveryPointSelection: [
        {
          algorithm: RECOVERY_POINT_ALGORITHM,
          includeVaults: [`\${${this.props.dependencies.vaultArnExpr}}`],
          recoveryPointTypes: [...RECOVERY_POINT_TYPES],
          selectionWindowDays: RECOVERY_POINT_SELECTION_WINDOW_DAYS,
        },
      ],
      tags: this.tags,
    });
    plan.overrideLogicalId(PUBLIC_RESOURCE_NAMES.restoreTestingPlan);
    return plan;
  }

  /** The backup plan's tables, restored by a role that may restore and delete test tables only. */
  private selectTables(
    plan: BackupRestoreTestingPlan,
    refs: RestoreTestingPolicyRefs,
    tableArns: string,
  ): BackupRestoreTestingSelection {
    const role = new PipelineRole(this, "role", {
      logicalBase: ROLE_BASES.restoreTesting,
      roleName: `\${${this.props.context.nameBaseExpr}}-ddb-restore-testing`,
      servicePrincipal: "backup.amazonaws.com",
      statements: restoreTestingRolePolicy(refs),
      countExpr: this.countExpr,
      tagsExpr: this.props.tagsExpr,
      sourceAccountExpr: this.props.context.accountIdExpr,
    });
    const selection = new BackupRestoreTestingSelection(this, "selection", {
      count: this.count,
      name: "ddb_tables",
      restoreTestingPlanName: `\${${only(plan, "name")}}`,
      protectedResourceType: PROTECTED_RESOURCE_TYPE,
      protectedResourceArns: Token.asList(`\${${tableArns}}`),
      iamRoleArn: `\${${role.arnExpr}}`,
      validationWindowHours: Token.asNumber(`\${${V("restore_testing_validation_window_hours")}}`),
    });
    selection.overrideLogicalId(PUBLIC_RESOURCE_NAMES.restoreTestingSelection);
    return selection;
  }

  private createFunction(refs: RestoreTestingPolicyRefs, tableNames: string): PipelineFunction {
    const base = this.props.context.nameBaseExpr;
    const d = this.props.dependencies;
    const logicalBase = functionBase(FUNCTION_NAME);
    return new PipelineFunction(this, logicalBase, {
      logicalBase,
      bundle: this.props.bundle,
      functionName: `\${${base}}-ddb-${FUNCTION_NAME}`,
      roleName: `\${${base}}-ddb-${FUNCTION_NAME}`,
      statements: (logGroupArn) => validationFunctionPolicy(refs, logGroupArn),
      runtimeExpr: this.props.runtimeExpr,
      architectureExpr: this.props.architectureExpr,
      logRetentionDaysExpr: this.props.logRetentionDaysExpr,
      countExpr: this.countExpr,
      tagsExpr: this.props.tagsExpr,
      environment: {
        [RESTORE_TEST_ENV.deployment]: `\${${this.props.prefixExpr}}`,
        [RESTORE_TEST_ENV.bucket]: `\${${d.bucketNameExpr}}`,
        [RESTORE_TEST_ENV.tables]: `\${jsonencode({ for t in ${tableNames} : ${this.props.context.tableArnsExpr}[t] => t })}`,
        [RESTORE_TEST_ENV.sampleSize]: `\${${V("restore_testing_sample_size")}}`,
        [RESTORE_TEST_ENV.alarmTopicArn]: `\${${d.alarmTopicArnExpr}}`,
      },
      memoryMb: this.props.memoryMb ?? 512,
      timeoutSeconds: this.props.timeoutSeconds ?? 900,
      description: "Validates AWS Backup restore tests: compares the restored table with the latest verified export.",
    });
  }

  /** EventBridge: AWS Backup's "Restore Job State Change", COMPLETED, from this plan → the validation function. */
  private triggerOnCompletedTests(plan: BackupRestoreTestingPlan, fn: PipelineFunction): CloudwatchEventRule {
    const pattern = `jsonencode({ source = ["${RESTORE_EVENT_SOURCE}"], "detail-type" = ["${RESTORE_EVENT_DETAIL_TYPE}"], detail = { status = ["${RESTORE_EVENT_STATUS}"], restoreTestingPlanArn = [${only(plan, "arn")}] } })`;
    const rule = new CloudwatchEventRule(this, "rule", {
      count: this.count,
      name: `\${${this.props.context.nameBaseExpr}}-ddb-restore-test-completed`,
      description: "A restore test of the module's restore testing plan completed: validate the restored table.",
      eventPattern: `\${${pattern}}`,
      tags: this.tags,
    });
    rule.overrideLogicalId(RESOURCE_NAMES.restoreTestCompletedRule);
    new CloudwatchEventTarget(this, "target", {
      count: this.count,
      rule: `\${${only(rule, "name")}}`,
      arn: `\${${fn.arnExpr}}`,
      targetId: FUNCTION_NAME,
    }).overrideLogicalId(RESOURCE_NAMES.restoreTestCompletedTarget);
    new LambdaPermission(this, "permission", {
      count: this.count,
      statementId: "RestoreTestCompleted",
      action: "lambda:InvokeFunction",
      functionName: `\${${only(fn.function, "functionName")}}`,
      principal: "events.amazonaws.com",
      sourceArn: `\${${only(rule, "arn")}}`,
    }).overrideLogicalId(RESOURCE_NAMES.restoreTestInvokePermission);
    return rule;
  }

  /** The function itself failed (bad event, missing setting, AWS Backup refused the result): alert. */
  private createErrorsAlarm(fn: PipelineFunction): void {
    const topicArn = `\${${this.props.dependencies.alarmTopicArnExpr}}`;
    new CloudwatchMetricAlarm(this, "errors_alarm", {
      count: this.count,
      alarmName: `\${${this.props.prefixExpr}}-dynamo-restore-test-errors`,
      alarmDescription:
        "The restore-test validation function failed (its log says why): a restore test may have no validation result. See the README section 'Restore testing'.",
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: `\${${only(fn.function, "functionName")}}` },
      statistic: "Sum",
      period: RESTORE_TEST_ERRORS_PERIOD_SECONDS,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [topicArn],
      tags: this.tags,
    }).overrideLogicalId(RESOURCE_NAMES.restoreTestErrorsAlarm);
  }

  /** `restore_testing`, with a precondition: restore testing needs the backup plan and the export pipeline. */
  private output(): void {
    const d = this.props.dependencies;
    const o = new TerraformOutput(this, "restore_testing", {
      description:
        "AWS Backup restore testing: { plan_name, plan_arn, selection_name, validation_function_name, event_rule_arn, tables }. Values are null (tables empty) when enable_restore_testing is false.",
      value: Object.fromEntries(Object.entries(this.outputs).map(([k, e]) => [k, `\${${e}}`])),
    });
    o.overrideLogicalId("restore_testing");
    // cdktf does not write an output's `precondition`: it is added as an override.
    o.addOverride("precondition", [
      {
        condition: `\${!${V("enable_restore_testing")} || (length(${d.backupTablesExpr}) > 0 && length(${d.exportTablesExpr}) > 0)}`,
        error_message:
          "enable_restore_testing = true needs the AWS Backup plan (enable_backup_plan = true, with at least one table in backup_plan_tables): it tests the plan's recovery points; and the export pipeline (enable_export_pipeline = true, with at least one table in export_tables): it compares each restored table with the table's latest verified export in the backup bucket. Turn those on, or set enable_restore_testing = false.",
      },
    ]);
  }
}

/** `var.<name>` of one of restore testing's variables (declared by RestoreTestingVariables under exactly that name). */
function V(name: keyof RestoreTestingInputValues): string {
  return `var.${name}`;
}
