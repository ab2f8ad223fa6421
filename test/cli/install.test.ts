/**
 * The CLI installs like one: build it (tools/build-cli.ts), `npm pack` the folder, `npm install -g` the tarball into a
 * temporary prefix with no registry (--offline; the suite runs inside `unshare -n`), and run `dynamo-dr` from another
 * folder with a PATH that has node and nothing of this project — no tsx, no TypeScript.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_VERSION } from "../../lib/cli/command";
import { EXIT } from "../../lib/cli/errors";
import { CLI_BUNDLE_FILE, NODE_SHEBANG, buildCli } from "../../tools/build-cli";

const work = mkdtempSync(join(tmpdir(), "dds-cli-install-"));
const prefix = join(work, "prefix");
const elsewhere = mkdtempSync(join(tmpdir(), "dds-cli-elsewhere-"));
/** node's own folder (for `node` and `npm`) and the system folders; never node_modules/.bin. */
const PATH = [join(prefix, "bin"), dirname(process.execPath), "/usr/bin", "/bin"].join(":");

function npm(args: string[]): SpawnSyncReturns<string> {
  const res = spawnSync("npm", [...args, "--offline", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: work,
    env: { PATH, HOME: work, npm_config_cache: join(work, "npm-cache"), npm_config_update_notifier: "false" },
    encoding: "utf8",
  });
  if (res.status !== 0) throw new Error(`npm ${args.join(" ")} failed (${res.status}): ${res.stderr}`);
  return res;
}

function dynamoDr(args: string[]): SpawnSyncReturns<string> {
  return spawnSync("dynamo-dr", args, { cwd: elsewhere, env: { PATH, HOME: elsewhere }, encoding: "utf8" });
}

let bundleDir: string;

beforeAll(() => {
  bundleDir = buildCli(undefined, join(work, "cli"));
  npm(["pack", bundleDir, "--pack-destination", work]);
  const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
  if (tarball === undefined) throw new Error(`npm pack wrote no tarball in ${work}`);
  npm(["install", "-g", "--prefix", prefix, join(work, tarball)]);
}, 180_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(elsewhere, { recursive: true, force: true });
});

describe("the packed dynamo-dr CLI", () => {
  it("is one node script with no dependencies and no tsx on the PATH", () => {
    const manifest = JSON.parse(readFileSync(join(bundleDir, "package.json"), "utf8")) as Record<string, unknown>;
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.bin).toEqual({ "dynamo-dr": CLI_BUNDLE_FILE });
    expect(readFileSync(join(bundleDir, CLI_BUNDLE_FILE), "utf8").split("\n")[0]).toBe(NODE_SHEBANG);
    expect(spawnSync("sh", ["-c", "command -v tsx"], { env: { PATH } }).status).not.toBe(0);
    expect(existsSync(join(prefix, "bin", "dynamo-dr"))).toBe(true);
  });

  it("--version and --help work in any folder", () => {
    const version = dynamoDr(["--version"]);
    expect(version.stderr).toBe("");
    expect(version.stdout).toBe(`${CLI_VERSION}\n`);
    expect(version.status).toBe(EXIT.ok);
    const help = dynamoDr(["--help"]);
    expect(help.status).toBe(EXIT.ok);
    for (const name of [
      "import-restored-table",
      "restore-pitr",
      "restore-backups",
      "backup",
      "restore-files",
      "verify",
    ]) {
      expect(help.stdout).toContain(`  ${name} `);
    }
  });

  it("help <command> prints that command's help", () => {
    const res = dynamoDr(["help", "restore-pitr"]);
    expect(res.status).toBe(EXIT.ok);
    expect(res.stdout).toContain("Usage: dynamo-dr restore-pitr --table <CatalogName>");
    expect(res.stdout).toContain("dynamodb:RestoreTableToPointInTime");
  });

  it("runs a command: bad input exits 2 with the message, nothing else", () => {
    const res = dynamoDr(["restore-pitr", "--table", "Nope", "--prefix", "p", "--latest"]);
    expect(res.status).toBe(EXIT.usage);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(/^error: --table: Unknown table "Nope"\. Known tables: .*CollectionsTable.*\.\n$/);
  });
});
