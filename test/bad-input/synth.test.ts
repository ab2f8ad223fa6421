/**
 * Bad input to `npm run synth` other than the catalog (test/bad-input/catalog.test.ts): the deploy configuration
 * (DDB_DEPLOY_CONFIG / cdktf.json context.deploy, AWS_REGION) and the module output folder (DDB_MODULE_OUT_DIR).
 * Each row: the input, the exact message, the exit code; every row also asserts that nothing was created, changed or
 * deleted. Future settings add their rows here.
 */
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_CATALOG } from "../../lib/catalog";
import { exitCodeFor } from "../../lib/cli/errors";
import { DeployConfigError, resolveDeployConfig } from "../../lib/deploy-config";
import { moduleInputs } from "../../lib/module-inputs/all-inputs";
import { PROJECT_ROOT } from "../../lib/project-config";
import { MODULE_MAIN_FILE, MODULE_MARKER_FILE, checkModuleOutDir, packageModule } from "../../lib/synth/package-module";
import { runSynth, sandbox, snapshot, spawnSynth } from "./support/synth";

interface ConfigRow {
  readonly label: string;
  /** The environment synth runs with (DDB_DEPLOY_CONFIG holds the deploy settings as JSON). */
  readonly env: Readonly<Record<string, string>>;
  /** The exact message, or its start when `prefixOnly` (text that comes from Node itself). */
  readonly message: string;
  readonly prefixOnly?: boolean;
  readonly exitCode: number;
}

const deploy = (settings: unknown): Record<string, string> => ({ DDB_DEPLOY_CONFIG: JSON.stringify(settings) });
const S3 = { type: "s3", bucket: "state", key: "dp.tfstate" };
const INPUT_NAMES = moduleInputs(DEFAULT_CATALOG)
  .map((r) => r.name)
  .sort()
  .join(", ");

const CONFIG_ROWS: readonly ConfigRow[] = [
  {
    label: "unknown top-level setting (backnd)",
    env: deploy({ backnd: S3 }),
    message:
      "deploy.backnd: unknown field (did you mean backend?); allowed fields: region, localEndpoint, backend, inputs",
    exitCode: 2,
  },
  {
    label: "region 123",
    env: deploy({ region: 123 }),
    message: "deploy.region: 123 is not an AWS region name such as us-east-1",
    exitCode: 2,
  },
  {
    label: "region not a region name",
    env: deploy({ region: "mars-1" }),
    message: 'deploy.region: "mars-1" is not an AWS region name such as us-east-1',
    exitCode: 2,
  },
  {
    label: "AWS_REGION not a region name",
    env: { AWS_REGION: "mars" },
    message: 'AWS_REGION: "mars" is not an AWS region name such as us-east-1',
    exitCode: 2,
  },
  {
    label: "DDB_DEPLOY_CONFIG not JSON",
    env: { DDB_DEPLOY_CONFIG: "{oops" },
    message: "DDB_DEPLOY_CONFIG: is not valid JSON (",
    prefixOnly: true,
    exitCode: 2,
  },
  {
    label: "DDB_DEPLOY_CONFIG not an object",
    env: { DDB_DEPLOY_CONFIG: "[]" },
    message: "DDB_DEPLOY_CONFIG: must be a JSON object",
    exitCode: 2,
  },
  {
    label: "backend type unknown",
    env: deploy({ backend: { type: "gcs" } }),
    message: 'deploy.backend.type: "gcs" is not supported; allowed: local, s3',
    exitCode: 2,
  },
  {
    label: "backend a string",
    env: deploy({ backend: "s3" }),
    message: 'deploy.backend: "s3" is not allowed; an object { "type": "local" or "s3", … }',
    exitCode: 2,
  },
  {
    label: "s3 backend without bucket",
    env: deploy({ backend: { type: "s3", key: "k" } }),
    message: "deploy.backend.bucket: an s3 backend needs a non-empty string; got undefined",
    exitCode: 2,
  },
  {
    label: 'encrypt "no"',
    env: deploy({ backend: { ...S3, encrypt: "no" } }),
    message: 'deploy.backend.encrypt: "no" is not allowed; use true or false',
    exitCode: 2,
  },
  {
    label: 'useLockfile "maybe"',
    env: deploy({ backend: { ...S3, useLockfile: "maybe" } }),
    message: 'deploy.backend.useLockfile: "maybe" is not allowed; use true or false',
    exitCode: 2,
  },
  {
    label: "misspelt s3 backend field",
    env: deploy({ backend: { ...S3, regoin: "eu-west-1" } }),
    message:
      "deploy.backend.regoin: unknown field (did you mean region?); allowed fields: type, bucket, key, region, encrypt, useLockfile",
    exitCode: 2,
  },
  {
    label: "s3 field on a local backend",
    env: deploy({ backend: { type: "local", bucket: "state" } }),
    message: "deploy.backend.bucket: unknown field; allowed fields: type, path",
    exitCode: 2,
  },
  {
    label: "localEndpoint not loopback",
    env: deploy({ localEndpoint: "http://10.0.0.5:4566" }),
    message:
      'deploy.localEndpoint: "http://10.0.0.5:4566" is not allowed; use a loopback URL such as http://127.0.0.1:5000 (or leave it out for real AWS)',
    exitCode: 2,
  },
  {
    label: "inputs not an object",
    env: deploy({ inputs: [] }),
    message: "deploy.inputs: [] is not allowed; must be an object of module input values",
    exitCode: 2,
  },
  {
    label: "input name the module does not have",
    env: deploy({ inputs: { prefix: "prod", enable_point_in_time_table: [] } }),
    message: `deploy.inputs.enable_point_in_time_table: "enable_point_in_time_table" is not an input of the module (did you mean enable_point_in_time_tables?); its inputs are: ${INPUT_NAMES}`,
    exitCode: 2,
  },
  {
    label: 'inherited name as input ("constructor")',
    env: { DDB_DEPLOY_CONFIG: '{"inputs":{"constructor":1}}' },
    message: `deploy.inputs.constructor: "constructor" is not an input of the module; its inputs are: ${INPUT_NAMES}`,
    exitCode: 2,
  },
  {
    label: "prefix 123 (a string input given a number)",
    env: deploy({ inputs: { prefix: 123 } }),
    message: "deploy.inputs.prefix: 123 is not allowed; expected a string (prefix has Terraform type string)",
    exitCode: 2,
  },
  {
    label: "prefix null",
    env: deploy({ inputs: { prefix: null } }),
    message: "deploy.inputs.prefix: null is not allowed; expected a string (prefix has Terraform type string)",
    exitCode: 2,
  },
  {
    label: 'a number input given "abc"',
    env: deploy({ inputs: { point_in_time_recovery_period_days: "abc" } }),
    message:
      'deploy.inputs.point_in_time_recovery_period_days: "abc" is not allowed; expected a number (point_in_time_recovery_period_days has Terraform type number)',
    exitCode: 2,
  },
  {
    label: "a list input given a string",
    env: deploy({ inputs: { enable_point_in_time_tables: "CollectionsTable" } }),
    message:
      'deploy.inputs.enable_point_in_time_tables: "CollectionsTable" is not allowed; expected a list of strings (enable_point_in_time_tables has Terraform type list(string))',
    exitCode: 2,
  },
  {
    label: "a bool input given a string",
    env: deploy({ inputs: { enable_export_pipeline: "false" } }),
    message:
      'deploy.inputs.enable_export_pipeline: "false" is not allowed; expected true or false (enable_export_pipeline has Terraform type bool)',
    exitCode: 2,
  },
  {
    label: "null for an input that is not nullable",
    env: deploy({ inputs: { deletion_protection: null } }),
    message:
      "deploy.inputs.deletion_protection: null is not allowed; expected true or false (deletion_protection has Terraform type bool)",
    exitCode: 2,
  },
  {
    label: "a map value of the wrong type",
    env: deploy({ inputs: { tags: { team: 7 } } }),
    message: "deploy.inputs.tags.team: 7 is not allowed; expected a string (tags has Terraform type map(string))",
    exitCode: 2,
  },
  {
    label: "a misspelt field in an object input",
    env: deploy({ inputs: { alarm_subscriptions: [{ protocol: "email", endpont: "oncall@example.com" }] } }),
    message:
      "deploy.inputs.alarm_subscriptions[0].endpont: unknown field (did you mean endpoint?); allowed fields: protocol, endpoint (alarm_subscriptions has Terraform type list(object({protocol=string, endpoint=string})))",
    exitCode: 2,
  },
  {
    label: "a missing field in an object input",
    env: deploy({ inputs: { alarm_subscriptions: [{ protocol: "email" }] } }),
    message:
      "deploy.inputs.alarm_subscriptions[0].endpoint: is missing; expected a string (alarm_subscriptions has Terraform type list(object({protocol=string, endpoint=string})))",
    exitCode: 2,
  },
];

describe("bad deploy configuration", () => {
  const expectMessage = (actual: string, { message, prefixOnly }: ConfigRow): void => {
    if (prefixOnly === true) expect(actual.startsWith(message), actual).toBe(true);
    else expect(actual).toBe(message);
  };

  it.each(CONFIG_ROWS)("$label", (row) => {
    let thrown: unknown;
    try {
      resolveDeployConfig({}, row.env);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DeployConfigError);
    expectMessage((thrown as Error).message, row);
    expect(exitCodeFor(thrown)).toBe(row.exitCode);
  });

  it.each(CONFIG_ROWS)("synth stops on it and writes nothing: $label", (row) => {
    const box = sandbox();
    const res = runSynth({ ...box.env, ...row.env });
    expect({ exitCode: res.exitCode, stdout: res.stdout }).toEqual({ exitCode: row.exitCode, stdout: "" });
    expect(res.stderr.split("\n")).toHaveLength(1);
    expectMessage(res.stderr, { ...row, message: `synth failed: ${row.message}` });
    expect(snapshot(box.dir)).toEqual({});
  });

  it("the real process prints one line and no stack trace, and exits 2", () => {
    const box = sandbox();
    expect(spawnSynth({ ...box.env, ...deploy({ backnd: S3 }) })).toEqual({
      exitCode: 2,
      stdout: "",
      stderr:
        "synth failed: deploy.backnd: unknown field (did you mean backend?); allowed fields: region, localEndpoint, backend, inputs",
    });
    expect(snapshot(box.dir)).toEqual({});
  });

  it("cdktf.json's context.deploy that is not an object", () => {
    expect(() => resolveDeployConfig("us-east-1", {})).toThrow(
      new DeployConfigError(
        'deploy: "us-east-1" is not allowed; cdktf.json\'s context.deploy must be an object { region?, localEndpoint?, backend?, inputs? }',
      ),
    );
  });

  it("accepts null for a nullable input and every input's own type", () => {
    const config = resolveDeployConfig(
      {},
      deploy({
        inputs: { prefix: "prod", kms_key_arn: null, backup_transition_days: null, tags: { team: "data" } },
      }),
    );
    expect(config.inputs).toEqual({
      prefix: "prod",
      kms_key_arn: null,
      backup_transition_days: null,
      tags: { team: "data" },
    });
  });
});

interface OutDirRow {
  readonly label: string;
  /** Prepares the target inside a fresh temp folder; returns the DDB_MODULE_OUT_DIR value. */
  readonly setup: (dir: string) => string;
  readonly message: (target: string) => string;
  readonly exitCode: number;
}

const REFUSAL =
  "synth writes the module only to a new or empty folder or to a module folder it wrote before (one holding .dynamo-data-safe-module), and never deletes or replaces anything else. Choose another path, or move that one away yourself.";

function files(root: string, entries: Record<string, string>): void {
  for (const [path, text] of Object.entries(entries)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

const OUT_DIR_ROWS: readonly OutDirRow[] = [
  {
    label: "a home-like folder with files",
    setup: (dir) => {
      files(join(dir, "home"), { ".bashrc": "alias ll='ls -l'\n", "Documents/notes.txt": "keep me\n" });
      return join(dir, "home");
    },
    message: (t) =>
      `DDB_MODULE_OUT_DIR: ${t} already exists and was not written by synth (it has no ${MODULE_MARKER_FILE}); ${REFUSAL}`,
    exitCode: 2,
  },
  {
    label: "a file",
    setup: (dir) => {
      files(dir, { "notes.txt": "keep me\n" });
      return join(dir, "notes.txt");
    },
    message: (t) => `DDB_MODULE_OUT_DIR: ${t} is a file, not a folder; ${REFUSAL}`,
    exitCode: 2,
  },
  {
    label: "a folder holding .git",
    setup: (dir) => {
      files(join(dir, "repo"), { ".git/HEAD": "ref: refs/heads/main\n", "src/app.ts": "export {};\n" });
      return join(dir, "repo");
    },
    message: (t) =>
      `DDB_MODULE_OUT_DIR: ${t} already exists and was not written by synth (it has no ${MODULE_MARKER_FILE}); ${REFUSAL}`,
    exitCode: 2,
  },
  {
    label: "a project-like folder (what `.` is)",
    setup: (dir) => {
      files(join(dir, "project"), { "package.json": "{}\n", "main.ts": "\n", "dist/modules/x/main.tf.json": "{}\n" });
      return join(dir, "project");
    },
    message: (t) =>
      `DDB_MODULE_OUT_DIR: ${t} already exists and was not written by synth (it has no ${MODULE_MARKER_FILE}); ${REFUSAL}`,
    exitCode: 2,
  },
  {
    label: "a module folder synth wrote, with a file added by the user",
    setup: (dir) => {
      files(join(dir, "module"), {
        [MODULE_MAIN_FILE]: "{}\n",
        [MODULE_MARKER_FILE]: markerFor([MODULE_MAIN_FILE]),
        "README.md": "my notes\n",
      });
      return join(dir, "module");
    },
    message: (t) =>
      `DDB_MODULE_OUT_DIR: ${t} is a module folder synth wrote, but it also holds a file synth did not write (README.md); ${REFUSAL}`,
    exitCode: 2,
  },
  {
    label: "a file that merely claims to be a marker",
    setup: (dir) => {
      files(join(dir, "module"), { [MODULE_MARKER_FILE]: "anything\n", "data.csv": "1,2\n" });
      return join(dir, "module");
    },
    message: (t) =>
      `DDB_MODULE_OUT_DIR: ${t} already exists and was not written by synth (it has no ${MODULE_MARKER_FILE}); ${REFUSAL}`,
    exitCode: 2,
  },
  {
    label: "a symbolic link",
    setup: (dir) => {
      files(join(dir, "real"), { "keep.txt": "keep me\n" });
      symlinkSync(join(dir, "real"), join(dir, "link"));
      return join(dir, "link");
    },
    message: (t) => `DDB_MODULE_OUT_DIR: ${t} is a symbolic link; ${REFUSAL}`,
    exitCode: 2,
  },
];

/** A marker as synth writes it (its header, then the files). */
function markerFor(written: readonly string[]): string {
  const ws = mkdtempSync(join(tmpdir(), "dds-marker-"));
  const stack = join(ws, "stack");
  files(stack, { "cdk.tf.json": "{}" });
  packageModule(stack, join(ws, "module"));
  const header = snapshot(join(ws, "module"))[MODULE_MARKER_FILE] ?? "";
  const text = Buffer.from(header, "base64").toString("utf8");
  return `${text.slice(0, text.indexOf(MODULE_MAIN_FILE))}${written.join("\n")}\n`;
}

describe("DDB_MODULE_OUT_DIR that synth must not replace", () => {
  it.each(OUT_DIR_ROWS)("$label", ({ setup, message, exitCode }) => {
    const box = sandbox();
    const target = setup(box.dir);
    const before = snapshot(box.dir);
    expect(runSynth({ ...box.env, DDB_MODULE_OUT_DIR: target })).toEqual({
      exitCode,
      stdout: "",
      stderr: `synth failed: ${message(target)}`,
    });
    expect(snapshot(box.dir)).toEqual(before);
  });

  it("`.` is the project itself: refused by the real process, every file still there", () => {
    // Read-only check first, so a regression can never reach the destructive path on the repository.
    expect(() => checkModuleOutDir(PROJECT_ROOT)).toThrow(
      `DDB_MODULE_OUT_DIR: ${PROJECT_ROOT} already exists and was not written by synth`,
    );
    const box = sandbox();
    const top = readdirSync(PROJECT_ROOT).sort();
    const kept = snapshot(join(PROJECT_ROOT, "lib", "synth"));
    const res = spawnSynth({ ...box.env, DDB_MODULE_OUT_DIR: "." });
    expect(res).toEqual({
      exitCode: 2,
      stdout: "",
      stderr: `synth failed: DDB_MODULE_OUT_DIR: ${PROJECT_ROOT} already exists and was not written by synth (it has no ${MODULE_MARKER_FILE}); ${REFUSAL}`,
    });
    expect(readdirSync(PROJECT_ROOT).sort()).toEqual(top);
    expect(snapshot(join(PROJECT_ROOT, "lib", "synth"))).toEqual(kept);
    expect(snapshot(box.dir)).toEqual({});
  });
});

describe("DDB_MODULE_OUT_DIR that synth may write", () => {
  const stack = (): string => {
    const dir = mkdtempSync(join(tmpdir(), "dds-stack-"));
    files(dir, {
      "cdk.tf.json": JSON.stringify({ variable: { prefix: { type: "string" } } }),
      "assets/fn/x.zip": "zip",
    });
    return dir;
  };

  it("replaces a module folder it wrote, and touches no sibling it did not create", () => {
    const box = sandbox();
    const target = join(box.dir, "module");
    files(box.dir, { "module.old/mine.txt": "keep\n", "module.staging/mine.txt": "keep\n" });
    packageModule(stack(), target);
    const first = snapshot(target);
    expect(Object.keys(first).sort()).toEqual(
      [MODULE_MARKER_FILE, MODULE_MAIN_FILE, "assets/", "assets/fn/", "assets/fn/x.zip"].sort(),
    );
    packageModule(stack(), target);
    expect(snapshot(target)).toEqual(first);
    expect(readdirSync(box.dir).sort()).toEqual(["module", "module.old", "module.staging"]);
    expect(snapshot(join(box.dir, "module.old"))).toEqual({ "mine.txt": Buffer.from("keep\n").toString("base64") });
  });

  it("writes into an empty folder", () => {
    const box = sandbox();
    mkdirSync(join(box.dir, "empty"));
    packageModule(stack(), join(box.dir, "empty"));
    expect(readdirSync(join(box.dir, "empty")).sort()).toEqual([MODULE_MARKER_FILE, "assets", MODULE_MAIN_FILE].sort());
  });
});
