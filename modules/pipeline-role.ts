import {
  DataAwsIamPolicyDocument,
  DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { roleResourceNames } from "../lib/addresses";
import { PolicyStatementSpec } from "../lib/pipeline/iam";
import { only } from "./refs";

/** Longest IAM role name. */
export const ROLE_NAME_MAX_LENGTH = 64;

export interface PipelineRoleProps {
  /** Terraform resource names start with this (`<base>_role`, `<base>_policy`, `<base>_role_policy`). */
  readonly logicalBase: string;
  /** Role name (a Terraform template string), at most 64 characters once evaluated. */
  readonly roleName: string;
  /** The AWS service that assumes the role, e.g. `lambda.amazonaws.com`. */
  readonly servicePrincipal: string;
  /** The role's only permissions. */
  readonly statements: readonly PolicyStatementSpec[];
  /** Terraform expression (without `${}`) for the resources' count. */
  readonly countExpr: string;
  /** Terraform expression (without `${}`) for the tags map. */
  readonly tagsExpr: string;
  /** Condition on the trust policy: only this account's resources may assume it. @default - no condition */
  readonly sourceAccountExpr?: string;
}

/**
 * An IAM role for one AWS service with one inline least-privilege policy, built from {@link PolicyStatementSpec}s
 * (lib/pipeline/iam.ts). Statements with a `when` condition become dynamic blocks, so a statement whose resource list
 * is empty (e.g. no table needs a native export) is left out instead of producing an invalid policy.
 */
export class PipelineRole extends Construct {
  public readonly role: IamRole;
  /** The role's ARN (an expression without `${}`), for resources counted like the role. */
  public readonly arnExpr: string;

  constructor(scope: Construct, id: string, props: PipelineRoleProps) {
    super(scope, id);
    const names = roleResourceNames(props.logicalBase);
    const count = Token.asNumber(`\${${props.countExpr}}`);
    const trust = new DataAwsIamPolicyDocument(this, "trust", {
      count,
      statement: [
        {
          sid: "AssumedByService",
          effect: "Allow",
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: [props.servicePrincipal] }],
          condition:
            props.sourceAccountExpr === undefined
              ? undefined
              : [{ test: "StringEquals", variable: "aws:SourceAccount", values: [`\${${props.sourceAccountExpr}}`] }],
        },
      ],
    });
    trust.overrideLogicalId(names.trust);

    this.role = new IamRole(this, "role", {
      count,
      name: props.roleName,
      assumeRolePolicy: `\${${only(trust, "json")}}`,
      tags: Token.asStringMap(`\${${props.tagsExpr}}`),
    });
    this.role.overrideLogicalId(names.role);
    this.arnExpr = only(this.role, "arn");

    const fixed = props.statements.filter((s) => s.when === undefined);
    const optional = props.statements.filter((s) => s.when !== undefined);
    const doc = new DataAwsIamPolicyDocument(this, "policy", {
      count,
      statement: fixed.length > 0 ? fixed.map(typedStatement) : undefined,
    });
    doc.overrideLogicalId(names.policy);
    // cdktf's iterators cannot build a dynamic block per optional statement; those are written directly.
    if (optional.length > 0) {
      doc.addOverride(
        "dynamic.statement",
        optional.map((s) => ({
          for_each: `\${${s.when} ? [1] : []}`,
          content: renderStatement(s),
        })),
      );
    }

    const policy = new IamRolePolicy(this, "role_policy", {
      count,
      name: "least-privilege",
      role: `\${${only(this.role, "id")}}`,
      policy: `\${${only(doc, "json")}}`,
    });
    policy.overrideLogicalId(names.rolePolicy);
  }
}

function typedStatement(s: PolicyStatementSpec): DataAwsIamPolicyDocumentStatement {
  return {
    sid: s.sid,
    effect: "Allow",
    actions: [...s.actions],
    resources: Token.asList(`\${${s.resources}}`),
    condition: s.conditions?.map((c) => ({ test: c.test, variable: c.variable, values: [...c.values] })),
  };
}

/** A statement as Terraform JSON, for a dynamic block's content. */
function renderStatement(s: PolicyStatementSpec): Record<string, unknown> {
  return {
    sid: s.sid,
    effect: "Allow",
    actions: [...s.actions],
    resources: `\${${s.resources}}`,
    condition:
      s.conditions === undefined
        ? undefined
        : s.conditions.map((c) => ({ test: c.test, variable: c.variable, values: [...c.values] })),
  };
}
