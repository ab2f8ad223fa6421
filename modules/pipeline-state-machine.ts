import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { stateMachineResourceNames } from "../lib/addresses";
import { PipelineFunctionName } from "../lib/pipeline/config";
import { stateMachinePolicy } from "../lib/pipeline/iam";
import { toTerraformTemplate } from "../lib/pipeline/state-machine";
import { PipelineRole } from "./pipeline-role";
import { oneOrNull, only } from "./refs";

export interface PipelineStateMachineProps {
  /** Terraform resource names start with this (`<base>_state_machine`, `<base>_sfn_role`, …). */
  readonly logicalBase: string;
  /** State machine name (a Terraform template string), at most 80 characters once evaluated. */
  readonly name: string;
  /** Role name (a Terraform template string). */
  readonly roleName: string;
  /** The definition built with placeholders (lib/pipeline/state-machine.ts). */
  readonly definition: Record<string, unknown>;
  /** Expression (without `${}`) for the configuration object placed in the definition. */
  readonly configExpr: string;
  /** ARN expressions (without `${}`) of the functions the definition invokes. */
  readonly functionArnExprs: Partial<Record<PipelineFunctionName, string>>;
  readonly countExpr: string;
  readonly tagsExpr: string;
}

/** A STANDARD Step Functions state machine with its own role, allowed to invoke exactly its functions. */
export class PipelineStateMachine extends Construct {
  public readonly stateMachine: SfnStateMachine;
  /** The state machine's ARN (an expression without `${}`), for resources counted like it. */
  public readonly arnExpr: string;
  /** The state machine's ARN, or null when it does not exist (an expression without `${}`). */
  public readonly arnOrNullExpr: string;

  constructor(scope: Construct, id: string, props: PipelineStateMachineProps) {
    super(scope, id);
    const names = stateMachineResourceNames(props.logicalBase);
    const role = new PipelineRole(this, "role", {
      logicalBase: names.roleBase,
      roleName: props.roleName,
      servicePrincipal: "states.amazonaws.com",
      statements: stateMachinePolicy(Object.values(props.functionArnExprs)),
      countExpr: props.countExpr,
      tagsExpr: props.tagsExpr,
    });
    this.stateMachine = new SfnStateMachine(this, "state_machine", {
      count: Token.asNumber(`\${${props.countExpr}}`),
      name: props.name,
      type: "STANDARD",
      roleArn: `\${${role.arnExpr}}`,
      definition: toTerraformTemplate(props.definition, props.configExpr, props.functionArnExprs),
      tags: Token.asStringMap(`\${${props.tagsExpr}}`),
    });
    this.stateMachine.overrideLogicalId(names.stateMachine);
    this.arnExpr = only(this.stateMachine, "arn");
    this.arnOrNullExpr = oneOrNull(this.stateMachine, "arn");
  }
}
