/**
 * `npm run bench` — runs every suite in bench/suites/index.ts against local servers on loopback (fake credentials;
 * run it inside `unshare -n` like the tests), prints each table and saves the results to bench/results/.
 *
 *   npm run bench                              # 200,000 items on dynalite and DynamoDB Local (~10-15 min)
 *   npm run bench -- --items 20000             # quick run (results saved as *-quick.*)
 *   npm run bench -- --servers dynalite --suite backup-restore --repeat 1
 *   npm run bench -- --memory-items 400000,800000  # also compare backup/restore memory at these table sizes
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { renderTable, type BenchOptions, type SuiteResult } from "./lib/types";
import { SUITES } from "./suites";

const DEFAULT_ITEMS = 200_000;
const DEFAULT_SMALL_ITEMS = 50_000;
const SERVERS = ["dynalite", "dynamodb-local"] as const;

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

function positiveInt(name: string, v: string | undefined, def: number): number {
  if (v === undefined) return def;
  if (!/^\d+$/.test(v) || Number(v) < 1) fail(`--${name}: "${v}" is not allowed; use a whole number >= 1`);
  return Number(v);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      items: { type: "string" },
      small: { type: "string" },
      "memory-items": { type: "string" },
      servers: { type: "string" },
      suite: { type: "string", multiple: true },
      repeat: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help === true) {
    process.stdout.write(
      `Usage: npm run bench -- [--items N] [--small N] [--memory-items N,...] [--servers dynalite,dynamodb-local] [--suite name]... [--repeat N] [--out dir]\nSuites: ${SUITES.map((s) => `${s.name} (${s.description})`).join("; ")}\n`,
    );
    return;
  }
  const items = positiveInt("items", values.items, DEFAULT_ITEMS);
  const smallItems = Math.min(
    items,
    positiveInt("small", values.small, Math.min(DEFAULT_SMALL_ITEMS, Math.ceil(items / 4))),
  );
  const memoryItems = (values["memory-items"] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => positiveInt("memory-items", s, 0));
  const servers = (values.servers ?? SERVERS.join(",")).split(",").map((s) => s.trim());
  for (const s of servers) {
    if (!(SERVERS as readonly string[]).includes(s))
      fail(`--servers: "${s}" is not allowed; use ${SERVERS.join(", ")}`);
  }
  const wanted = values.suite ?? SUITES.map((s) => s.name);
  for (const w of wanted) {
    if (!SUITES.some((s) => s.name === w))
      fail(`--suite: "${w}" is not allowed; use ${SUITES.map((s) => s.name).join(", ")}`);
  }
  const outDir = values.out ?? join(__dirname, "results");
  const workDir = mkdtempSync(join(tmpdir(), "dynamo-dr-bench-"));
  const opts: BenchOptions = {
    items,
    smallItems,
    memoryItems,
    servers: servers as BenchOptions["servers"],
    repeat: positiveInt("repeat", values.repeat, 2),
    workDir,
    log: (m) => process.stderr.write(`${m}\n`),
  };
  const machine = `${cpus().length} CPU (${cpus()[0]?.model ?? "?"}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const started = new Date();
  const quick = items < DEFAULT_ITEMS;
  mkdirSync(outDir, { recursive: true });
  try {
    for (const suite of SUITES.filter((s) => wanted.includes(s.name))) {
      process.stderr.write(`\n== ${suite.name}: ${suite.description}\n`);
      const result: SuiteResult = await suite.run(opts);
      const md = [
        `# ${suite.name}`,
        "",
        `${suite.description}. Run ${started.toISOString()} on ${machine}; servers on loopback in the same run.`,
        "",
        ...result.tables.map(renderTable),
      ].join("\n");
      process.stdout.write(`\n${md}\n`);
      const base = join(outDir, quick ? `${suite.name}-quick` : suite.name);
      writeFileSync(
        `${base}.json`,
        `${JSON.stringify({ suite: suite.name, startedAt: started.toISOString(), machine, options: { items, smallItems, memoryItems, servers, repeat: opts.repeat }, data: result.data }, null, 2)}\n`,
      );
      writeFileSync(`${base}.md`, md);
      process.stderr.write(`saved ${base}.json and ${base}.md\n`);
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
