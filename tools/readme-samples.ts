/**
 * The sample outputs shown in the README's disaster-recovery section, rendered by the same code the commands use
 * (so the addresses in them come from lib/addresses.ts). A test checks the README against them; regenerate with
 * `npm run docs` (tools/update-readme.ts).
 */
import { DEFAULT_MODULE_ADDRESS } from "../lib/addresses";
import { DEFAULT_CATALOG, TableCatalog, physicalTableName } from "../lib/catalog";
import { validateCatalog } from "../lib/catalog-schema";
import { renderHcl } from "../lib/dr/hcl-render";
import { restoredTablePlan, renderSh } from "../lib/dr/import-plan";
import { defaultRestoredName, stateBackupFileName } from "../lib/dr/names";
import { COMMAND_PERMISSIONS } from "../scripts/commands/permissions";

/** The fixed moment of the samples (their timestamps must not change from run to run). */
export const SAMPLE_NOW = new Date("2025-01-31T04:05:00Z");
export const SAMPLE_PREFIX = "prod";
export const SAMPLE_CHDIR = "infra/prod";

export function drReadmeSamples(catalog: TableCatalog = validateCatalog(DEFAULT_CATALOG)): Record<string, string> {
  const plan = restoredTablePlan({
    catalog,
    table: "CollectionsTable",
    restoredName: defaultRestoredName(physicalTableName(SAMPLE_PREFIX, "CollectionsTable"), SAMPLE_NOW),
    moduleAddress: DEFAULT_MODULE_ADDRESS,
    chdir: SAMPLE_CHDIR,
    stateBackupFile: stateBackupFileName(SAMPLE_NOW),
  });
  return {
    "dr-import-sh": `\`\`\`sh\n${renderSh(plan)}\`\`\``,
    "dr-import-hcl": `\`\`\`hcl\n${renderHcl(plan)}\`\`\``,
    "dr-permissions": permissionsTable(),
  };
}

/** Every command's AWS permissions (scripts/commands/permissions.ts) as a Markdown table, notes after it. */
export function permissionsTable(): string {
  const code = (text: string): string =>
    /^(arn:|\*)/.test(text) ? `\`${text.split(" ")[0]}\`${text.slice(text.split(" ")[0]?.length ?? 0)}` : text;
  const rows = Object.entries(COMMAND_PERMISSIONS).flatMap(([command, p]) =>
    p.groups.map(
      (g) =>
        `| \`${command}\` | ${g.actions.map((a) => `\`${a}\``).join(" ")} | ${code(g.on)} | ${g.when ?? "always"} |`,
    ),
  );
  const notes = Object.entries(COMMAND_PERMISSIONS).flatMap(([command, p]) =>
    p.note === undefined ? [] : [`- \`${command}\`: ${p.note}`],
  );
  return ["| command | actions | on | when |", "| --- | --- | --- | --- |", ...rows, "", ...notes].join("\n");
}

const begin = (name: string): string => `<!-- BEGIN GENERATED: ${name} (npm run docs) -->`;
const end = (name: string): string => `<!-- END GENERATED: ${name} -->`;

/** Replaces the sample blocks in a README text; throws when a block's markers are missing. */
export function updateDrSamples(readme: string, samples: Record<string, string> = drReadmeSamples()): string {
  let out = readme;
  for (const [name, body] of Object.entries(samples)) {
    const i = out.indexOf(begin(name));
    const j = out.indexOf(end(name));
    if (i < 0 || j < i) throw new Error(`README.md is missing the markers ${begin(name)} … ${end(name)}`);
    out = `${out.slice(0, i + begin(name).length)}\n${body}\n${out.slice(j)}`;
  }
  return out;
}
