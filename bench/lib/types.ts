/**
 * The benchmark's plug-in shape: a suite measures something and returns tables; bench/run.ts prints them, saves them
 * to bench/results/ and knows nothing else about the suite. Add a suite by writing bench/suites/<name>.ts and listing
 * it in bench/suites/index.ts.
 */
export interface BenchOptions {
  /** Items for the large runs. */
  readonly items: number;
  /** Items for the small runs (memory comparison). */
  readonly smallItems: number;
  /** Further table sizes measured for the memory comparison only (one backup and one restore each). */
  readonly memoryItems: readonly number[];
  /** Which DynamoDB servers to run on. */
  readonly servers: readonly ("dynalite" | "dynamodb-local")[];
  /** Times each fast measurement is repeated (best run is reported). */
  readonly repeat: number;
  /** Scratch folder for files written by the runs. */
  readonly workDir: string;
  readonly log: (message: string) => void;
}

export interface BenchTable {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
  readonly notes?: readonly string[];
}

export interface SuiteResult {
  readonly suite: string;
  readonly tables: readonly BenchTable[];
  /** Raw measurements, saved as JSON. */
  readonly data: unknown;
}

export interface BenchSuite {
  readonly name: string;
  readonly description: string;
  run(opts: BenchOptions): Promise<SuiteResult>;
}

/** A markdown table (also readable as plain text on a terminal). */
export function renderTable(t: BenchTable): string {
  const cells = [t.columns.map(String), ...t.rows.map((r) => r.map(String))];
  const widths = t.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [
    `**${t.title}**`,
    "",
    line(cells[0] ?? []),
    `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`,
    ...cells.slice(1).map(line),
    ...(t.notes === undefined || t.notes.length === 0 ? [] : ["", ...t.notes.map((n) => `- ${n}`)]),
    "",
  ].join("\n");
}
