/**
 * The product demo, end to end: `dynamo-dr rehearse --target local --scenario all` with real terraform (offline
 * provider mirror) and moto_server, run in-process exactly as `npm run rehearse` runs it, on ONE apply of the module
 * (change capture on for the history scenario's table). Every scenario must pass — data equal to the checkpoint,
 * `terraform plan` with no changes — the table scenario through `recover`, the history scenario through the captured
 * stream, the seal, a simulated PITR window and a rebuild; and everything is torn down: no scratch folder left, moto
 * and the rehearsal proxy stopped.
 * Then Ctrl-C during the setup: the CLI in a child process exits 130 and still tears down.
 * Needs terraform + the provider mirror + moto_server; with REQUIRE_INTEGRATION=1 (CI) a missing tool fails the run.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../lib/cli/errors";
import { EXIT_INTERRUPTED } from "../../lib/cli/interrupt";
import { loadProjectCatalog } from "../../lib/project-config";
import type { RehearsalReport } from "../../lib/rehearse/report";
import { runDr } from "../dr/helpers";
import { usePrivateTmpdir, type PrivateTmpdir } from "../support/private-tmpdir";
import { announceSkip, findPluginDir, motoSkipReason, terraformSkipReason } from "../support/tools";

const skip = announceSkip("rehearse --target local (terraform + moto)", terraformSkipReason() ?? motoSkipReason());
const REPO = resolve(__dirname, "../..");
/**
 * The project's catalog cut to the tables the scenarios name plus one more (the deployment scenario restores every
 * table, and terraform on moto takes seconds per table): the same code paths as the full catalog, in less suite time.
 * `npm run rehearse` uses the whole catalog.
 */
const E2E_TABLES = ["CollectionsTable", "GranulesTable", "ProvidersTable"];
/** terraform on moto takes seconds per command and the deployment scenario restores every table. */
const REHEARSAL_TIMEOUT_MS = 40 * 60_000;

let tmp: PrivateTmpdir;
const scratchFolders = (): string[] => tmp.scratchFolders();

async function isListening(endpoint: string): Promise<boolean> {
  try {
    await fetch(`${endpoint}/moto-api/`);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(skip)("rehearse --target local", () => {
  beforeAll(() => {
    tmp = usePrivateTmpdir("rehearse-local");
  });
  afterAll(() => tmp?.restore());

  it(
    "table, deployment and history scenarios pass on one apply, everything is torn down",
    async () => {
      const before = scratchFolders();
      const dir = mkdtempSync(join(tmpdir(), "dds-rehearse-"));
      const reportFile = join(dir, "report.json");
      const catalogFile = join(dir, "catalog.json");
      const tables = loadProjectCatalog().tables.filter((t) => E2E_TABLES.includes(t.name));
      expect(tables.map((t) => t.name)).toEqual(E2E_TABLES);
      writeFileSync(catalogFile, JSON.stringify({ tables }));
      const env = { ...process.env, TF_PLUGIN_DIR: findPluginDir(), DDB_TABLE_CATALOG: catalogFile };
      const res = await runDr(["rehearse", "--scenario", "all", "--report", reportFile, "--json"], { env, cwd: dir });
      expect(res.stderr.split("\n").filter((l) => l.startsWith("error:"))).toEqual([]);
      expect(res.code).toBe(EXIT.ok);
      const report = JSON.parse(res.stdout) as RehearsalReport;
      expect(JSON.parse(readFileSync(reportFile, "utf8"))).toEqual(report);
      expect(report.passed).toBe(true);
      expect(report.scenarios.map((s) => [s.scenario, s.status])).toEqual([
        ["table (CollectionsTable)", "pass"],
        ["deployment", "pass"],
        ["history (GranulesTable)", "pass"],
      ]);
      for (const s of report.scenarios) {
        expect(s.rtoSeconds).toBeGreaterThan(0);
        expect(s.steps.every((st) => st.status === "pass")).toBe(true);
        expect(s.steps.at(-1)?.detail).toBe("No changes. Your infrastructure matches the configuration.");
        expect(s.steps.filter((st) => st.name.endsWith("data equals the checkpoint")).length).toBeGreaterThan(0);
      }
      const commands = (i: number): (string | undefined)[] =>
        report.scenarios[i]!.steps.map((s) => s.command?.split(" ").slice(0, 2).join(" "));
      expect(commands(0)).toEqual(expect.arrayContaining(["dynamo-dr snapshot", "dynamo-dr recover"]));
      expect(report.scenarios[0]!.steps.find((s) => s.command?.startsWith("dynamo-dr recover"))?.command).toMatch(
        / --source backup --execute --chdir \S+ --yes$/,
      );
      expect(commands(1)).toContain("dynamo-dr restore-backups");
      expect(commands(2)).toEqual(expect.arrayContaining(["dynamo-dr backup", "dynamo-dr recover"]));
      const recovered = report.scenarios[2]!.steps.find((s) => s.command?.startsWith("dynamo-dr recover"));
      expect(recovered?.command).toMatch(/ --source history --bucket \S+ --execute --chdir \S+ --yes$/);
      // The simulated PITR window, as recover's own survey saw it.
      expect(recovered?.detail).toMatch(/; PITR could not: T is outside the restorable window /);
      const history = report.scenarios[2]!.steps;
      expect(history.find((s) => s.name.startsWith("capture:"))?.detail).toMatch(
        /^\d+ stream records from 1 shard\(s\) \(TRIM_HORIZON\) .* to the real capture handler in this process/,
      );
      expect(history.find((s) => s.name === "seal the captured hour(s)")?.detail).toMatch(
        /^sealed \d{4}-\d\d-\d\dT\d\d/,
      );
      expect(history.find((s) => s.name.startsWith("simulate:"))?.detail).toMatch(/after the checkpoint/);
      // Torn down: the scratch folder is gone, moto no longer answers, this process's AWS settings are back.
      expect(report.teardown.map((s) => [s.name, s.status])).toEqual([
        ["remove the scratch folder", "pass"],
        ["stop moto_server", "pass"],
      ]);
      expect(scratchFolders()).toEqual(before);
      const endpoint = report.setup[0]?.detail as string;
      expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await isListening(endpoint)).toBe(false);
      expect(process.env.AWS_ENDPOINT_URL).toBe("http://127.0.0.1:9");
    },
    REHEARSAL_TIMEOUT_MS,
  );

  it(
    "Ctrl-C during the setup tears down too (exit 130, no scratch folder, moto stopped)",
    async () => {
      const before = scratchFolders();
      // Like Ctrl-C in a terminal: SIGINT to the whole process group (the CLI, and synth/terraform it started).
      const child = spawn(
        process.execPath,
        ["--import", "tsx", join(REPO, "scripts/dr.ts"), "rehearse", "--scenario", "table"],
        {
          cwd: REPO,
          env: { ...process.env, TF_PLUGIN_DIR: findPluginDir() },
          stdio: ["ignore", "pipe", "pipe"],
          detached: true,
        },
      );
      let stderr = "";
      await new Promise<void>((resolveStarted) => {
        child.stderr.on("data", (d: Buffer) => {
          stderr += d.toString();
          if (stderr.includes("▶ synthesize the module")) resolveStarted();
        });
      });
      const endpoint = /✔ start moto_server on a free loopback port \([\d.]+ s\) — (\S+)/.exec(stderr)?.[1];
      expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      process.kill(-(child.pid as number), "SIGINT");
      const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
      expect(code).toBe(EXIT_INTERRUPTED);
      expect(stderr).toContain("interrupted: tearing the rehearsal down…");
      expect(stderr).toContain("✔ stop moto_server");
      expect(scratchFolders()).toEqual(before);
      expect(await isListening(endpoint as string)).toBe(false);
    },
    5 * 60_000,
  );
});
