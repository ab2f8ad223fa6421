/**
 * The shape of the module's declarative input tables (lib/module-inputs/*-inputs.ts): one row per Terraform variable
 * with its name, type, description, default and validations. modules/*-variables.ts declare the variables from the
 * rows; lib/deploy-config.ts checks `deploy.inputs` against the same rows at synth; the README's inputs table is
 * generated from the synthesized variables. Plain data: imports nothing (no cdktf, no zod), so any layer may read it.
 */

/** A Terraform type constraint. */
export type TfType =
  | { readonly kind: "string" }
  | { readonly kind: "number" }
  | { readonly kind: "bool" }
  | { readonly kind: "list"; readonly of: TfType }
  | { readonly kind: "map"; readonly of: TfType }
  | { readonly kind: "object"; readonly fields: Readonly<Record<string, TfType>> };

export const tf = {
  string: { kind: "string" },
  number: { kind: "number" },
  bool: { kind: "bool" },
  list: (of: TfType): TfType => ({ kind: "list", of }),
  map: (of: TfType): TfType => ({ kind: "map", of }),
  object: (fields: Readonly<Record<string, TfType>>): TfType => ({ kind: "object", fields }),
} as const satisfies Record<string, TfType | ((...args: never[]) => TfType)>;

/** The type as Terraform writes it: `string`, `list(string)`, `object({protocol=string, endpoint=string})`. */
export function hclType(type: TfType): string {
  switch (type.kind) {
    case "list":
    case "map":
      return `${type.kind}(${hclType(type.of)})`;
    case "object":
      return `object({${Object.entries(type.fields)
        .map(([k, v]) => `${k}=${hclType(v)}`)
        .join(", ")}})`;
    default:
      return type.kind;
  }
}

/** A `validation` block: the condition as a Terraform template (`${…}`) and the message shown when it is false. */
export interface Validation {
  readonly condition: string;
  readonly errorMessage: string;
}

/** A JSON value a variable can hold. */
export type InputValue =
  string | number | boolean | null | readonly InputValue[] | { readonly [k: string]: InputValue };

/** One module input (Terraform variable): the row of a declarative input table. */
export interface ModuleInput<N extends string = string> {
  /** The variable name: `var.<name>` is the module's public contract. */
  readonly name: N;
  readonly type: TfType;
  /** What it does and every valid value. */
  readonly description: string;
  /** The default: a value, null, or undefined for a required input. */
  readonly default: InputValue | undefined;
  /**
   * Whether null is a valid value (Terraform `nullable`). A required input that must not be null keeps Terraform's
   * nullable and rejects null in its validation, so that `prefix = null` gets the input's own rule as message.
   */
  readonly nullable: boolean;
  /** @default - none */
  readonly validation?: readonly Validation[];
}
