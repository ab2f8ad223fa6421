import { TerraformVariable } from "cdktf";
import { Construct, IConstruct } from "constructs";

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

/** The names of the module inputs declared anywhere below `scope`, sorted. */
export function moduleVariableNames(scope: IConstruct): string[] {
  return scope.node
    .findAll()
    .filter((c): c is TerraformVariable => c instanceof TerraformVariable)
    .map((v) => v.node.id)
    .sort();
}
