/**
 * Imports point one way: scripts/ → lib/cli → domain libraries → lib/aws.ts, and nothing imports upward or in a
 * circle. The rules are the table below, one row per layer; every source file belongs to exactly one row (a new top-level
 * file or folder must be added to it). The graph is every relative import, export-from, require and dynamic import
 * — type-only imports included, since a type cycle is still a tangle a reader has to hold in their head.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../lib/project-config";

interface Layer {
  readonly name: string;
  /** Files (exact) or folders (ending in "/"), relative to the project root. */
  readonly paths: readonly string[];
  /** The layers its files may import, besides their own. */
  readonly mayImport: readonly string[];
}

const FOUNDATION = ["core", "aws", "errors"];

// prettier-ignore
const LAYERS: readonly Layer[] = [
  // layer            files                     may import (besides itself)
  { name: "errors",        paths: ["lib/errors.ts"],        mayImport: [] },
  { name: "aws",           paths: ["lib/aws.ts", "lib/aws-backup.ts"], mayImport: [] },
  { name: "core",          paths: ["lib/catalog.ts", "lib/catalog-schema.ts", "lib/schema-errors.ts", "lib/addresses.ts",
                                   "lib/hcl.ts", "lib/project-config.ts", "lib/logger.ts", "lib/duration.ts",
                                   "lib/progress-sink.ts"],
                                                            mayImport: ["errors"] },
  { name: "export-format", paths: ["lib/export-format/"],   mayImport: [...FOUNDATION] },
  { name: "writable",      paths: ["lib/writable.ts"],      mayImport: ["export-format", ...FOUNDATION] },
  { name: "engine",        paths: ["lib/engine/"],          mayImport: [...FOUNDATION] },
  { name: "table-io",      paths: ["lib/table-io/"],        mayImport: ["engine", "writable", "export-format", ...FOUNDATION] },
  { name: "pipeline",      paths: ["lib/pipeline/"],        mayImport: ["table-io", "export-format", ...FOUNDATION] },
  { name: "capture",       paths: ["lib/capture/"],         mayImport: ["pipeline", "export-format", ...FOUNDATION] },
  { name: "history",       paths: ["lib/history/"],         mayImport: ["engine", "capture", "pipeline", "export-format", ...FOUNDATION] },
  { name: "restore-testing", paths: ["lib/restore-testing/"], mayImport: ["pipeline", "export-format", ...FOUNDATION] },
  { name: "module-inputs", paths: ["lib/module-inputs/"],   mayImport: ["pipeline", "restore-testing", ...FOUNDATION] },
  { name: "deploy-config", paths: ["lib/deploy-config.ts"], mayImport: ["module-inputs", ...FOUNDATION] },
  { name: "dr",            paths: ["lib/dr/"],              mayImport: ["table-io", "export-format", ...FOUNDATION] },
  { name: "recover",       paths: ["lib/recover/"],         mayImport: ["history", "dr", "table-io", "export-format", ...FOUNDATION] },
  { name: "runbook",       paths: ["lib/runbook/"],         mayImport: ["dr", "capture", "pipeline", "table-io", "export-format", ...FOUNDATION] },
  { name: "rehearse",      paths: ["lib/rehearse/"],        mayImport: ["dr", "capture", "pipeline", "table-io", "export-format", ...FOUNDATION] },
  { name: "synth",         paths: ["lib/synth/"],           mayImport: ["pipeline", "capture", "restore-testing", "module-inputs", ...FOUNDATION] },
  { name: "cli",           paths: ["lib/cli/"],             mayImport: ["recover", "dr", "table-io", "export-format", "pipeline", ...FOUNDATION] },
  { name: "docs",          paths: ["lib/docs/"],            mayImport: ["modules", "synth", ...FOUNDATION] },
  { name: "modules",       paths: ["modules/"],             mayImport: ["synth", "pipeline", "restore-testing", "module-inputs", "deploy-config", ...FOUNDATION] },
  { name: "functions",     paths: ["functions/"],           mayImport: ["pipeline", "capture", "restore-testing", "table-io", "export-format", ...FOUNDATION] },
  { name: "commands",      paths: ["scripts/"],             mayImport: ["cli", "runbook", "rehearse", "recover", "dr", "history", "engine", "table-io", "writable", "export-format", "pipeline", ...FOUNDATION] },
  { name: "app",           paths: ["main.ts"],              mayImport: ["modules", "synth", "docs", "deploy-config", "cli", ...FOUNDATION] },
  { name: "tools",         paths: ["tools/"],               mayImport: ["commands", "cli", "docs", "recover", "dr", "table-io", "writable", "export-format", "pipeline", "synth", "modules", "module-inputs", "deploy-config", "capture", ...FOUNDATION] },
];

/**
 * Violations another change is fixing right now, as "from -> to". Each entry must still exist (the test fails when one is
 * fixed, so the entry is removed with the fix): nothing new can hide here.
 */
const KNOWN_VIOLATIONS: readonly string[] = [];

/** The checked sources: everything the product ships or runs (tests, benchmarks and examples may import anything). */
const ROOTS = ["main.ts", "lib", "modules", "functions", "scripts", "tools"];

function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (path: string): void => {
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path)) walk(join(path, name));
    } else if (path.endsWith(".ts") && !path.endsWith(".d.ts")) {
      out.push(relative(PROJECT_ROOT, path));
    }
  };
  for (const root of ROOTS) if (existsSync(join(PROJECT_ROOT, root))) walk(join(PROJECT_ROOT, root));
  return out.sort();
}

/** The project files a file imports (relative specifiers resolved like the bundler: x.ts, x/index.ts). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(PROJECT_ROOT, file), "utf8");
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return (
    importedFiles
      .map((i) => i.fileName)
      // Project code only: a relative import of data (package.json for --version) is not a layering question.
      .filter((spec) => spec.startsWith(".") && !spec.endsWith(".json"))
      .map((spec) => {
        const base = resolve(PROJECT_ROOT, dirname(file), spec);
        const hit = [`${base}.ts`, join(base, "index.ts"), base].find((c) => existsSync(c) && statSync(c).isFile());
        return relative(PROJECT_ROOT, hit ?? base);
      })
  );
}

function layerOf(file: string): Layer | undefined {
  return LAYERS.find((l) => l.paths.some((p) => (p.endsWith("/") ? file.startsWith(p) : file === p)));
}

const files = sourceFiles();
const graph = new Map(files.map((f) => [f, importsOf(f)]));

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop(); w !== undefined; w = w === v ? undefined : stack.pop()) {
      onStack.delete(w);
      component.push(w);
    }
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return found;
}

/** Every import that breaks the table, as "from -> to (why)". */
function upwardImports(): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph) {
    const layer = layerOf(from);
    if (layer === undefined) continue;
    for (const to of targets) {
      const target = layerOf(to);
      const allowed = target !== undefined && (target === layer || layer.mayImport.includes(target.name));
      if (!allowed)
        out.push(`${from} -> ${to} (${layer.name} may not import ${target?.name ?? "files outside every layer"})`);
    }
  }
  return out;
}

describe("the import graph", () => {
  it("sees the project (the walker is not silently empty)", () => {
    expect(files).toContain("lib/errors.ts");
    expect(files.length).toBeGreaterThan(50);
    expect(graph.get("lib/cli/errors.ts")).toContain("lib/errors.ts");
  });

  it("puts every source file in exactly one layer of the table", () => {
    const unplaced = files.filter((f) => layerOf(f) === undefined);
    expect(unplaced, "add these to LAYERS").toEqual([]);
    const twice = files.filter(
      (f) => LAYERS.filter((l) => l.paths.some((p) => f === p || (p.endsWith("/") && f.startsWith(p)))).length > 1,
    );
    expect(twice).toEqual([]);
    for (const l of LAYERS)
      for (const name of l.mayImport)
        expect(
          LAYERS.map((x) => x.name),
          `${l.name} → ${name}`,
        ).toContain(name);
  });

  it("has no upward import (known violations aside, each still present)", () => {
    const found = upwardImports();
    const key = (v: string): string => v.replace(/ \(.*\)$/, "");
    expect(found.filter((v) => !KNOWN_VIOLATIONS.includes(key(v)))).toEqual([]);
    expect(
      KNOWN_VIOLATIONS.filter((k) => !found.map(key).includes(k)),
      "fixed: remove from KNOWN_VIOLATIONS",
    ).toEqual([]);
  });

  it("has no import cycle", () => {
    expect(cycles()).toEqual([]);
  });

  it("detects what it is meant to detect", () => {
    const saved = new Map(graph);
    try {
      graph.set("lib/table-io/wire.ts", [...(saved.get("lib/table-io/wire.ts") ?? []), "lib/table-io/scan.ts"]);
      graph.set("lib/aws.ts", ["lib/cli/aws-errors.ts"]);
      expect(cycles()).toContainEqual(["lib/table-io/scan.ts", "lib/table-io/wire.ts"]);
      expect(upwardImports()).toContain("lib/aws.ts -> lib/cli/aws-errors.ts (aws may not import cli)");
    } finally {
      for (const [k, v] of saved) graph.set(k, v);
    }
  });
});
