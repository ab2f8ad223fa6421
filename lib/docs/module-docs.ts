/**
 * README tables generated from the module itself: inputs and outputs from the synthesized variable and output
 * definitions, tables and addresses from the catalog. `npm run docs` writes them; a test fails when the README drifts.
 *
 * Subsystem lib/docs — the only part of lib/ that may import modules/ (it documents them), besides lib/synth and the
 * core files (test/house/dependencies.test.ts holds the rules).
 */
import { Testing } from "cdktf";
import { TableCatalog, physicalTableName, shortKey, streamViewTypeOf } from "../catalog";
import { tableAddress, DEFAULT_MODULE_ADDRESS } from "../addresses";
import { toModuleJson } from "../synth/package-module";
import { DataPersistenceModuleStack } from "../../modules/data-persistence-module-stack";

interface VariableDef {
  readonly type?: string;
  readonly description?: string;
  readonly default?: unknown;
  readonly validation?: unknown[];
}
interface OutputDef {
  readonly description?: string;
}
export interface ModuleJson {
  readonly variable?: Record<string, VariableDef>;
  readonly output?: Record<string, OutputDef>;
  readonly resource?: Record<string, Record<string, unknown>>;
  readonly terraform?: Record<string, unknown>;
}

/** The module's JSON for a catalog, as the packaged module folder holds it (without writing anything). */
export function moduleJsonFor(catalog: TableCatalog): ModuleJson {
  const app = Testing.app();
  const stack = new DataPersistenceModuleStack(app, "docs", { catalog });
  return toModuleJson(JSON.parse(Testing.synth(stack)) as Record<string, unknown>) as ModuleJson;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/\n/g, " ");
}

function showDefault(v: VariableDef): string {
  if (!("default" in v)) return "**required**";
  return `\`${JSON.stringify(v.default)}\``;
}

function showType(type: string | undefined): string {
  // cdktf writes types as HCL type expressions, e.g. "list(string)".
  return `\`${type ?? "any"}\``;
}

export function renderInputsTable(mod: ModuleJson): string {
  const rows = Object.entries(mod.variable ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([name, v]) =>
        `| \`${name}\` | ${showType(v.type)} | ${showDefault(v)} | ${(v.validation?.length ?? 0) > 0 ? "yes" : ""} | ${cell(v.description ?? "")} |`,
    );
  return ["| input | type | default | validated | description |", "| --- | --- | --- | --- | --- |", ...rows].join(
    "\n",
  );
}

export function renderOutputsTable(mod: ModuleJson): string {
  const rows = Object.entries(mod.output ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, o]) => `| \`${name}\` | ${cell(o.description ?? "")} |`);
  return ["| output | description |", "| --- | --- |", ...rows].join("\n");
}

export function renderTablesTable(catalog: TableCatalog): string {
  const rows = catalog.tables.map((t) => {
    const keys = [t.hashKey, t.rangeKey].filter((k) => k !== undefined).join(" + ");
    const extras = [
      ...(t.globalSecondaryIndexes ?? []).map((g) => `GSI \`${g.name}\``),
      ...(t.ttlAttribute === undefined ? [] : [`TTL \`${t.ttlAttribute}\``]),
      streamViewTypeOf(t) === null ? "no stream" : `stream ${streamViewTypeOf(t)}`,
    ].join(", ");
    return `| \`${t.name}\` | \`${physicalTableName("<prefix>", t.name)}\` | \`${keys}\` | ${t.pointInTimeByDefault === true ? "yes" : "no"} | ${extras} | \`${shortKey(t.name)}\` | \`${tableAddress(t.name, DEFAULT_MODULE_ADDRESS)}\` |`;
  });
  return [
    '| catalog name | physical name | key | PITR by default | indexes, TTL, stream | `dynamo_tables` key | Terraform address (as `module "data_persistence"`) |',
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

export const GENERATED_BLOCKS = ["module-inputs", "module-outputs", "module-tables"] as const;
export type GeneratedBlock = (typeof GENERATED_BLOCKS)[number];

export function renderBlocks(catalog: TableCatalog): Record<GeneratedBlock, string> {
  const mod = moduleJsonFor(catalog);
  return {
    "module-inputs": renderInputsTable(mod),
    "module-outputs": renderOutputsTable(mod),
    "module-tables": renderTablesTable(catalog),
  };
}

const begin = (name: string): string => `<!-- BEGIN GENERATED: ${name} (npm run docs) -->`;
const end = (name: string): string => `<!-- END GENERATED: ${name} -->`;

/** Replaces every generated block in a README text; throws when a block's markers are missing. */
export function updateReadme(readme: string, blocks: Record<string, string>): string {
  let out = readme;
  for (const [name, body] of Object.entries(blocks)) {
    const b = begin(name);
    const e = end(name);
    const i = out.indexOf(b);
    const j = out.indexOf(e);
    if (i < 0 || j < i) throw new Error(`README.md is missing the markers ${b} … ${e}`);
    out = `${out.slice(0, i + b.length)}\n${body}\n${out.slice(j)}`;
  }
  return out;
}

export function markers(name: string): { begin: string; end: string } {
  return { begin: begin(name), end: end(name) };
}
