import { TerraformVariable, Token } from "cdktf";
import { Construct, IConstruct } from "constructs";
import { ModuleInput, hclType } from "../module-inputs/types";

/** Declares a module input: a Terraform variable whose name is exactly `name` (`var.<name>` is the public contract). */
export function moduleVariable(
  scope: Construct,
  name: string,
  config: ConstructorParameters<typeof TerraformVariable>[2],
): TerraformVariable {
  const v = new TerraformVariable(scope, name, config);
  v.overrideLogicalId(name);
  return v;
}

/**
 * Declares one variable per row of a declarative input table (lib/module-inputs/), in row order. A value in `defaults`
 * (the deployable stack's `deploy.inputs`, checked at synth) replaces the row's default; null stays null. A required
 * row (no default) keeps Terraform's nullable so that null fails its validation with the input's own message.
 */
export function declareVariables<N extends string>(
  scope: Construct,
  rows: readonly ModuleInput<N>[],
  defaults: { readonly [K in N]?: unknown } = {},
): Record<N, TerraformVariable> {
  const out = {} as Record<N, TerraformVariable>;
  for (const row of rows) {
    const value = givenOr(defaults, row.name, row.default);
    out[row.name] = moduleVariable(scope, row.name, {
      type: hclType(row.type),
      description: row.description,
      ...(value === undefined ? {} : { default: terraformValue(value) }),
      ...(row.default === undefined && !row.nullable ? {} : { nullable: row.nullable }),
      ...(row.validation === undefined ? {} : { validation: [...row.validation] }),
    });
  }
  return out;
}

/** null as Terraform's null (cdktf drops a plain null default). */
function terraformValue(value: unknown): unknown {
  if (value === null) return Token.nullValue();
  return value;
}

/** The caller's own value for `name` (null included: null is a value), else the row's default. */
function givenOr(given: Readonly<Record<string, unknown>>, name: string, fallback: unknown): unknown {
  if (Object.hasOwn(given, name) && given[name] !== undefined) return given[name];
  return fallback;
}

/** The names of the module inputs declared anywhere below `scope`, sorted. */
export function moduleVariableNames(scope: IConstruct): string[] {
  return scope.node
    .findAll()
    .filter((c): c is TerraformVariable => c instanceof TerraformVariable)
    .map((v) => v.node.id)
    .sort();
}
