import { TerraformDataSource, TerraformLocal, TerraformResource } from "cdktf";

/**
 * Typed references between the module's constructs.
 *
 * Constructs hand each other resources (or the constructs that own them) and read attributes through these helpers,
 * never through hand-written `aws_…` addresses: the address comes from the resource itself (`resource.fqn`), so it
 * follows the resource's logical id (lib/addresses.ts). The results are Terraform expressions without `${}` (cdktf
 * renders the embedded tokens as bare references inside an enclosing `${…}`).
 *
 * Resources without `count` (the tables, the region) are referenced by their own attributes (`table.arn`). Most of
 * the module's other resources have a `count` of 0 or 1, and a reference then needs an index or a splat:
 * {@link only} for references from resources counted alike (they exist only when it does), {@link oneOrNull} for
 * outputs and for resources that exist without it.
 */

/** A resource or data source. */
export type Addressable = TerraformResource | TerraformDataSource;

/**
 * The string-valued attributes of a resource, by their cdktf (camelCase) names: `arn`, `keyId`, `json`, … (not the
 * `…Input` getters, nor what every element has, such as `fqn`).
 */
export type StringAttribute<R> = {
  [K in keyof R]: K extends `${string}Input` | keyof TerraformResource | keyof TerraformDataSource
    ? never
    : R[K] extends string
      ? K
      : never;
}[keyof R] &
  string;

/** `arn` → `arn`, `keyId` → `key_id`: cdktf's attribute name as Terraform spells it. */
export function terraformAttributeName(attribute: string): string {
  return attribute.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `<address>[0].<attribute>`: the only instance of a resource with `count` = 1, used where the count is the same. */
export function only<R extends Addressable>(resource: R, attribute: StringAttribute<R>): string {
  return `${resource.fqn}[0].${terraformAttributeName(attribute)}`;
}

/** `one(<address>[*].<attribute>)`: the attribute of a resource with `count` 0 or 1, null when there is none. */
export function oneOrNull<R extends Addressable>(resource: R, attribute: StringAttribute<R>): string {
  return `one(${resource.fqn}[*].${terraformAttributeName(attribute)})`;
}

/** `local.<name>` of a local value. */
export function localRef(l: TerraformLocal): string {
  return l.fqn;
}
