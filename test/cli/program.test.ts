/**
 * The program level of dynamo-dr: --version, help <command>, the renamed commands' old names and the old
 * `--format json` spelling (each still works for one release, with exactly one deprecation line on stderr).
 */
import { describe, expect, it } from "vitest";
import { CLI_VERSION, helpText } from "../../lib/cli/command";
import { EXIT } from "../../lib/cli/errors";
import { COMMANDS, DEPRECATED_COMMAND_NAMES } from "../../scripts/commands";
import packageJson from "../../package.json";
import { runDr } from "../dr/helpers";

const IMPORT = ["import-restored-table", "--table", "CollectionsTable", "--restored-name", "p-CollectionsTable-r"];
const byName = (name: string) => {
  const cmd = COMMANDS.find((c) => c.name === name);
  if (cmd === undefined) throw new Error(`no command ${name}`);
  return cmd;
};

describe("--version", () => {
  it("prints package.json's version, at the top and on every command", async () => {
    expect(CLI_VERSION).toBe(packageJson.version);
    for (const argv of [["--version"], ["-V"], ["version"], ["restore-pitr", "--version"], ["backup", "--version"]]) {
      const res = await runDr(argv);
      expect(res, argv.join(" ")).toEqual({ code: EXIT.ok, stdout: `${packageJson.version}\n`, stderr: "" });
    }
  });
});

describe("help", () => {
  it("help <command> prints that command's help, like <command> --help", async () => {
    for (const cmd of COMMANDS) {
      const res = await runDr(["help", cmd.name]);
      expect(res).toEqual({ code: EXIT.ok, stdout: helpText(cmd, "dynamo-dr"), stderr: "" });
      expect((await runDr([cmd.name, "--help"])).stdout).toBe(res.stdout);
    }
  });

  it("help <unknown> is a usage error listing the commands", async () => {
    const res = await runDr(["help", "restorr"]);
    expect(res.code).toBe(EXIT.usage);
    expect(res.stderr).toBe(
      `error: unknown command "restorr"; known commands: ${COMMANDS.map((c) => c.name).join(", ")}\n`,
    );
  });

  it("the top-level help lists every command, help <command>, --version and the old names", async () => {
    const res = await runDr(["help"]);
    expect(res.code).toBe(EXIT.ok);
    for (const cmd of COMMANDS) expect(res.stdout).toContain(`  ${cmd.name.padEnd(24)} ${cmd.summary}`);
    expect(res.stdout).toContain('Run "dynamo-dr help <command>"');
    expect(res.stdout).toContain("--version");
    expect(res.stdout).toContain(
      "Old names (deprecated, removed in the next release): restore-table → restore-pitr, restore-deployment → restore-backups, restore → restore-files.",
    );
  });
});

describe("renamed commands", () => {
  it("say which source they restore from", () => {
    expect(COMMANDS.map((c) => c.name)).toEqual([
      "import-restored-table",
      "restore-pitr",
      "restore-backups",
      "backup",
      "restore-files",
      "verify",
      "history",
      "rebuild",
      "recover",
      "snapshot",
      "runbook",
      "rehearse",
    ]);
    expect(DEPRECATED_COMMAND_NAMES).toEqual({
      "restore-files": ["restore"],
      "restore-pitr": ["restore-table"],
      "restore-backups": ["restore-deployment"],
    });
  });

  it.each([
    ["restore-table", "restore-pitr"],
    ["restore-deployment", "restore-backups"],
    ["restore", "restore-files"],
  ])("the old name %s runs %s with one deprecation line", async (old, now) => {
    const viaOld = await runDr([old, "--help"]);
    expect(viaOld.code).toBe(EXIT.ok);
    expect(viaOld.stdout).toBe(helpText(byName(now), "dynamo-dr"));
    expect(viaOld.stderr).toBe(
      `warning: "${old}" is deprecated and will be removed in the next release; use "${now}" (same options)\n`,
    );
    const helpOld = await runDr(["help", old]);
    expect(helpOld.stdout).toBe(viaOld.stdout);
  });

  it("the old name's errors are the new command's, after the deprecation line", async () => {
    const res = await runDr(["restore-table", "--table", "CollectionsTable", "--prefix", "p"]);
    expect(res.code).toBe(EXIT.usage);
    expect(res.stderr).toBe(
      [
        'warning: "restore-table" is deprecated and will be removed in the next release; use "restore-pitr" (same options)',
        "error: give exactly one of --at <ISO time> (e.g. 2025-01-31T04:05:00Z) and --latest (the latest restorable time)",
        "",
      ].join("\n"),
    );
  });
});

describe("one JSON switch", () => {
  it("--format json is the deprecated spelling of --json: same output, one deprecation line", async () => {
    const json = await runDr([...IMPORT, "--json"]);
    expect(json.code).toBe(EXIT.ok);
    expect(json.stderr).toBe("");
    expect(JSON.parse(json.stdout)).toMatchObject({ command: "import-restored-table", format: "sh" });
    const warning = "warning: --format json is deprecated and will be removed in the next release; use --json\n";
    // The state backup's file name carries the UTC second the command ran in; runs can straddle a second.
    const unstamped = (s: string) => s.replace(/dynamo-dr-backup-\d{8}T\d{6}Z/g, "dynamo-dr-backup-<stamp>");
    for (const old of [["--format", "json"], ["--format=json"], ["--format", "json", "--json"]]) {
      const res = await runDr([...IMPORT, ...old]);
      expect({ ...res, stdout: unstamped(res.stdout) }, old.join(" ")).toEqual({
        code: EXIT.ok,
        stdout: unstamped(json.stdout),
        stderr: warning,
      });
    }
  });

  it("--format takes sh or hcl; commands without --format do not rewrite it", async () => {
    const res = await runDr([...IMPORT, "--format", "yaml"]);
    expect(res.stderr).toBe('error: --format: "yaml" is not allowed; use one of sh, hcl\n');
    const backup = await runDr(["backup", "--format", "json"]);
    expect(backup.code).toBe(EXIT.usage);
    expect(backup.stderr).not.toContain("deprecated");
  });
});
