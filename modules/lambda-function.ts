import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { AssetType, TerraformAsset, Token } from "cdktf";
import { Construct } from "constructs";
import { functionResourceNames } from "../lib/addresses";
import { LAMBDA_HANDLER } from "../lib/pipeline/config";
import { PolicyStatementSpec } from "../lib/pipeline/iam";
import { LambdaBundle } from "../lib/synth/bundle-lambdas";
import { PipelineRole } from "./pipeline-role";
import { only } from "./refs";

/** Lambda's limits the props are checked against. */
export const LAMBDA_MIN_MEMORY_MB = 128;
export const LAMBDA_MAX_MEMORY_MB = 10240;
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

export interface PipelineFunctionProps {
  /** Terraform resource names start with this (`<base>_function`, `<base>_logs`, `<base>_role`, …). */
  readonly logicalBase: string;
  /** The prebuilt, reproducible zip (lib/synth/bundle-lambdas.ts). */
  readonly bundle: LambdaBundle;
  /** Function name (a Terraform template string), at most 64 characters once evaluated. */
  readonly functionName: string;
  /** Role name (a Terraform template string), at most 64 characters once evaluated. */
  readonly roleName: string;
  /** The function's permissions, given the ARN expression of its own log group. */
  readonly statements: (logGroupArnExpr: string) => readonly PolicyStatementSpec[];
  /** Terraform expression (without `${}`) for the runtime, e.g. `var.lambda_runtime`. */
  readonly runtimeExpr: string;
  /** Terraform expression (without `${}`) for the architecture. */
  readonly architectureExpr: string;
  /** Terraform expression (without `${}`) for the log retention in days. */
  readonly logRetentionDaysExpr: string;
  /** Terraform expression (without `${}`) for the resources' count. */
  readonly countExpr: string;
  /** Terraform expression (without `${}`) for the tags map. */
  readonly tagsExpr: string;
  /** Environment variables (Terraform template strings). @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default 256 */
  readonly memoryMb?: number;
  /** @default 300 */
  readonly timeoutSeconds?: number;
  /** One line for the function's description. @default - none */
  readonly description?: string;
}

/**
 * One pipeline Lambda: the zip as a module asset (`${path.module}/assets/…`), its own log group with retention, its
 * own role with a least-privilege inline policy, and the function itself.
 */
export class PipelineFunction extends Construct {
  public readonly function: LambdaFunction;
  /** The function's ARN (an expression without `${}`), for resources counted like the function. */
  public readonly arnExpr: string;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    const memoryMb = props.memoryMb ?? 256;
    const timeoutSeconds = props.timeoutSeconds ?? 300;
    validateMemory(props.logicalBase, memoryMb);
    validateTimeout(props.logicalBase, timeoutSeconds);
    const names = functionResourceNames(props.logicalBase);
    const count = Token.asNumber(`\${${props.countExpr}}`);
    const tags = Token.asStringMap(`\${${props.tagsExpr}}`);

    const asset = new TerraformAsset(this, "zip", { path: props.bundle.zipPath, type: AssetType.FILE });

    const logs = new CloudwatchLogGroup(this, "logs", {
      count,
      name: `/aws/lambda/${props.functionName}`,
      retentionInDays: Token.asNumber(`\${${props.logRetentionDaysExpr}}`),
      tags,
    });
    logs.overrideLogicalId(names.logs);

    const role = new PipelineRole(this, "role", {
      logicalBase: props.logicalBase,
      roleName: props.roleName,
      servicePrincipal: "lambda.amazonaws.com",
      statements: props.statements(only(logs, "arn")),
      countExpr: props.countExpr,
      tagsExpr: props.tagsExpr,
    });

    this.function = new LambdaFunction(this, "function", {
      count,
      functionName: props.functionName,
      description: props.description,
      role: `\${${role.arnExpr}}`,
      filename: `\${path.module}/${asset.path}`,
      sourceCodeHash: props.bundle.sha256Base64,
      handler: LAMBDA_HANDLER,
      runtime: `\${${props.runtimeExpr}}`,
      architectures: [`\${${props.architectureExpr}}`],
      memorySize: memoryMb,
      timeout: timeoutSeconds,
      environment:
        props.environment === undefined || Object.keys(props.environment).length === 0
          ? undefined
          : { variables: { ...props.environment } },
      tags,
      dependsOn: [logs],
    });
    this.function.overrideLogicalId(names.function);
    this.arnExpr = only(this.function, "arn");
  }
}

export function validateMemory(name: string, memoryMb: number): void {
  if (!Number.isInteger(memoryMb) || memoryMb < LAMBDA_MIN_MEMORY_MB || memoryMb > LAMBDA_MAX_MEMORY_MB) {
    throw new Error(
      `PipelineFunction ${name}: memoryMb ${memoryMb} is not allowed; use a whole number of MB from ${LAMBDA_MIN_MEMORY_MB} to ${LAMBDA_MAX_MEMORY_MB}`,
    );
  }
}

export function validateTimeout(name: string, timeoutSeconds: number): void {
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > LAMBDA_MAX_TIMEOUT_SECONDS) {
    throw new Error(
      `PipelineFunction ${name}: timeoutSeconds ${timeoutSeconds} is not allowed; use a whole number of seconds from 1 to ${LAMBDA_MAX_TIMEOUT_SECONDS}`,
    );
  }
}
