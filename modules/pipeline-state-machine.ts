import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { PipelineFunctionName } from "../lib/pipeline/config";
import { stateMachinePolicy } from "../lib/pipeline/iam";
import { toTerraformTemplate } from "../lib/pipeline/state-machine";
import { PipelineRole } from "./pipeline-role";

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
  /** `aws_sfn_state_machine.<base>_state_machine[0].arn` */
  public readonly arnExpr: string;

  constructor(scope: Construct, id: string, props: PipelineStateMachineProps) {
    super(scope, id);
    const role = new PipelineRole(this, "role", {
      logicalBase: `${props.logicalBase}_sfn`,
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
    this.stateMachine.overrideLogicalId(`${props.logicalBase}_state_machine`);
    this.arnExpr = `aws_sfn_state_machine.${props.logicalBase}_state_machine[0].arn`;
  }
}
