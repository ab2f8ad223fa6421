/**
 * Reads a saved plan (`terraform show -json <plan>`): which DynamoDB tables it would destroy or replace (the
 * safety stop), which it changes in place (what a restore did not carry over and the module puts back), and how
 * the module's `table_name_overrides` input is wired to a root variable.
 */
import { DYNAMODB_TABLE_RESOURCE_TYPE } from "../addresses";
import { TABLE_NAME_OVERRIDES_INPUT } from "./import-plan";

export interface PlanResourceChange {
  readonly address: string;
  readonly mode?: string;
  readonly type: string;
  readonly change: {
    readonly actions: readonly string[];
    readonly before?: Readonly<Record<string, unknown>> | null;
    readonly after?: Readonly<Record<string, unknown>> | null;
    readonly after_unknown?: Readonly<Record<string, unknown>> | null;
  };
  readonly action_reason?: string;
}

export interface ConfigExpression {
  readonly references?: readonly string[];
  readonly constant_value?: unknown;
}

export interface ConfigModule {
  readonly module_calls?: Readonly<
    Record<
      string,
      { readonly expressions?: Readonly<Record<string, ConfigExpression>>; readonly module?: ConfigModule }
    >
  >;
  readonly variables?: Readonly<Record<string, unknown>>;
}

export interface PlanJson {
  readonly resource_changes?: readonly PlanResourceChange[];
  readonly variables?: Readonly<Record<string, { readonly value?: unknown }>>;
  readonly configuration?: { readonly root_module?: ConfigModule };
}

/** Friendly names for the table attributes a restore resets and the module's next apply sets again. */
const ATTRIBUTE_LABELS: Readonly<Record<string, string>> = {
  point_in_time_recovery: "point-in-time recovery",
  ttl: "TTL",
  tags: "tags",
  tags_all: "tags (with provider default tags)",
  stream_enabled: "stream",
  stream_view_type: "stream view type",
  deletion_protection_enabled: "deletion protection",
  server_side_encryption: "encryption",
  billing_mode: "billing mode",
  name: "table name",
};

export const UNKNOWN_AFTER_APPLY = "(known after apply)";

export interface AttributeChange {
  readonly attribute: string;
  readonly label: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface TableChange {
  readonly address: string;
  readonly actions: readonly string[];
  /** Terraform's reason, e.g. `replace_because_cannot_update`. */
  readonly reason?: string;
  readonly changes: readonly AttributeChange[];
}

export interface PlanAnalysis {
  /** Tables the plan would destroy, or replace (destroy + create). Must be empty to proceed. */
  readonly destroyedOrReplaced: readonly TableChange[];
  readonly updatedInPlace: readonly TableChange[];
  readonly created: readonly TableChange[];
  /** Every other resource that would change, as `address (actions)`. */
  readonly otherChanges: readonly string[];
}

export function isDestructive(actions: readonly string[]): boolean {
  return actions.includes("delete");
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function attributeChanges(change: PlanResourceChange["change"]): AttributeChange[] {
  const before = change.before ?? {};
  const after = change.after ?? {};
  const unknown = change.after_unknown ?? {};
  // The name first: a changed name is what forces a table's replacement.
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)])].sort((a, b) =>
    a === "name" ? -1 : b === "name" ? 1 : a.localeCompare(b),
  );
  const out: AttributeChange[] = [];
  for (const k of keys) {
    const isUnknown = unknown[k] === true;
    if (!isUnknown && same(before[k], after[k])) continue;
    // Computed-only attributes (arn, stream_arn, …) that merely become unknown are noise unless they change.
    if (isUnknown && !(k in after) && before[k] === undefined) continue;
    out.push({
      attribute: k,
      label: ATTRIBUTE_LABELS[k] ?? k,
      before: before[k] ?? null,
      after: isUnknown ? UNKNOWN_AFTER_APPLY : (after[k] ?? null),
    });
  }
  return out;
}

export function analyzePlan(plan: PlanJson): PlanAnalysis {
  const destroyedOrReplaced: TableChange[] = [];
  const updatedInPlace: TableChange[] = [];
  const created: TableChange[] = [];
  const otherChanges: string[] = [];
  for (const rc of plan.resource_changes ?? []) {
    const actions = rc.change.actions;
    if ((rc.mode ?? "managed") !== "managed") continue;
    if (actions.length === 1 && (actions[0] === "no-op" || actions[0] === "read")) continue;
    if (rc.type !== DYNAMODB_TABLE_RESOURCE_TYPE) {
      otherChanges.push(`${rc.address} (${actions.join(", ")})`);
      continue;
    }
    const tc: TableChange = {
      address: rc.address,
      actions,
      reason: rc.action_reason,
      changes: attributeChanges(rc.change),
    };
    if (isDestructive(actions)) destroyedOrReplaced.push(tc);
    else if (actions.includes("create")) created.push(tc);
    else if (actions.includes("update")) updatedInPlace.push(tc);
    else otherChanges.push(`${rc.address} (${actions.join(", ")})`);
  }
  return { destroyedOrReplaced, updatedInPlace, created, otherChanges };
}

/** The planned `name` of a table after the plan, when known. */
export function plannedTableName(plan: PlanJson, address: string): string | undefined {
  const rc = (plan.resource_changes ?? []).find((r) => r.address === address);
  const name = rc?.change.after?.name;
  return typeof name === "string" ? name : undefined;
}

function short(value: unknown): string {
  if (value === UNKNOWN_AFTER_APPLY) return value;
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Human lines for one table change: `  ~ <address> (update)` then `      label: before -> after`. */
export function describeTableChange(tc: TableChange): string[] {
  const symbol = isDestructive(tc.actions) ? "-/+" : tc.actions.includes("create") ? "+" : "~";
  const lines = [
    `  ${symbol} ${tc.address} (${tc.actions.join(", ")}${tc.reason === undefined ? "" : `; ${tc.reason}`})`,
  ];
  for (const c of tc.changes) {
    if (c.attribute === "tags_all" || c.attribute === "stream_arn" || c.attribute === "stream_label") continue;
    lines.push(`      ${c.label}: ${short(c.before)} -> ${short(c.after)}`);
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------------------------
// Where does the module's table_name_overrides input come from?
// ---------------------------------------------------------------------------------------------------------------

export type OverridesWiring =
  { readonly ok: true; readonly rootVariable: string } | { readonly ok: false; readonly problem: string };

/** `module.a["x"].module.b[0]` → `["a", "b"]` (instance keys do not change the configuration). */
export function moduleCallNames(moduleAddress: string): string[] {
  const names: string[] = [];
  const re = /module\.([A-Za-z_][A-Za-z0-9_-]*)(?:\[(?:\d+|"(?:[^"\\]|\\.)*")\])?/y;
  let pos = 0;
  while (pos < moduleAddress.length) {
    re.lastIndex = pos;
    const m = re.exec(moduleAddress);
    if (m === null) break;
    names.push(m[1] as string);
    pos = re.lastIndex + 1; // skip the "." between steps
  }
  return names;
}

/**
 * Follows the module's `table_name_overrides` input up through the module calls to the root variable that
 * feeds it, e.g. the example consumer's `var.table_name_overrides`. Each level must pass exactly one
 * `var.<name>` reference; anything else (a literal map, no value, several variables) cannot be extended with -var.
 */
export function traceOverridesVariable(plan: PlanJson, moduleAddress: string): OverridesWiring {
  const names = moduleCallNames(moduleAddress);
  if (names.length === 0) {
    return { ok: false, problem: "the tables are in the root module, so there is no module input to set" };
  }
  const chain: ConfigModule[] = [];
  let current: ConfigModule | undefined = plan.configuration?.root_module;
  for (const name of names) {
    if (current === undefined) break;
    chain.push(current);
    current = current.module_calls?.[name]?.module;
  }
  if (chain.length !== names.length) {
    return { ok: false, problem: `the configuration has no module call for ${moduleAddress} (check --module-address)` };
  }
  let input = TABLE_NAME_OVERRIDES_INPUT;
  for (let i = names.length - 1; i >= 0; i--) {
    const callName = names[i] as string;
    const call = chain[i]?.module_calls?.[callName];
    if (call === undefined) {
      return { ok: false, problem: `the configuration has no module call "${callName}" (check --module-address)` };
    }
    const where = `module "${callName}"${i === 0 ? " in the root module" : ""}`;
    const expr = call.expressions?.[input];
    if (expr === undefined) {
      return { ok: false, problem: `${where} does not set its ${input} input` };
    }
    const vars = [
      ...new Set(
        (expr.references ?? []).filter((r) => /^var\.[A-Za-z_][A-Za-z0-9_-]*$/.test(r)).map((r) => r.slice(4)),
      ),
    ];
    if (vars.length !== 1) {
      return {
        ok: false,
        problem:
          vars.length === 0
            ? `${where} sets ${input} to a value that uses no variable`
            : `${where} sets ${input} from several variables (${vars.join(", ")})`,
      };
    }
    input = vars[0] as string;
  }
  return { ok: true, rootVariable: input };
}
