/**
 * Bad values for the module's variables, as a consumer sets them in HCL: each row is the module arguments, the exact
 * messages `terraform plan` must print (offline: -refresh=false, loopback endpoint, fake credentials) and its exit code;
 * nothing is created (a plan writes no state). Rows whose error is a variable's own check share one plan, each in its
 * own module block; the others get a plan each. More rows for the table inputs (through the example's own variables)
 * live in test/module/terraform.test.ts; new inputs add their rows here.
 * Also checks the declarative input tables themselves: one row per declared variable, `@default` docs and descriptions
 * that agree with the real defaults, a sorted IANA zone list.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Testing } from "cdktf";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { DEFAULT_CATALOG } from "../../lib/catalog";
import { DEFAULT_BYTES_SCANNED_CUTOFF, MIN_BYTES_SCANNED_CUTOFF } from "../../lib/pipeline/athena-tables";
import { moduleInputs } from "../../lib/module-inputs/all-inputs";
import { IANA_TIME_ZONES } from "../../lib/module-inputs/iana-time-zones";
import type { ModuleInput } from "../../lib/module-inputs/types";
import { DEFAULT_MODULE_NAME } from "../../lib/addresses";
import { PROJECT_ROOT } from "../../lib/project-config";
import { moduleVariableNames } from "../../lib/synth/terraform-variable";
import { DataPersistenceModuleStack } from "../../modules/data-persistence-module-stack";
import {
  EXAMPLE_MODULE_SOURCE,
  jsonErrors,
  OPTIONAL_FEATURE_SWITCHES,
  TerraformWorkspace,
  type RunResult,
  type TerraformDiagnostic,
} from "../support/terraform";
import { announceSkip, terraformSkipReason } from "../support/tools";

const ROWS_BY_NAME = new Map<string, ModuleInput>(moduleInputs(DEFAULT_CATALOG).map((r) => [r.name, r]));

describe("the declarative input tables", () => {
  it("have exactly one row per variable the module declares", () => {
    const stack = new DataPersistenceModuleStack(Testing.app(), "inputs", { catalog: DEFAULT_CATALOG });
    const rows = moduleInputs(DEFAULT_CATALOG).map((r) => r.name);
    expect(new Set(rows).size).toBe(rows.length);
    expect([...rows].sort()).toEqual(moduleVariableNames(stack));
  });

  it("document in `@default` the default each row really has", () => {
    const files = [
      "table-inputs.ts",
      "export-pipeline-inputs.ts",
      "backup-plan-inputs.ts",
      "change-capture-inputs.ts",
      "restore-testing-inputs.ts",
      "history-queries-inputs.ts",
    ];
    const docs = files.flatMap((f) => [
      ...readFileSync(join(PROJECT_ROOT, "lib", "module-inputs", f), "utf8").matchAll(
        /\/\*\* @default (.+?) \*\/\n\s+readonly (\w+)\?/g,
      ),
    ]);
    expect(docs.map((m) => m[2]).sort()).toEqual([...ROWS_BY_NAME.keys()].sort());
    for (const [, doc, name] of docs) {
      const row = ROWS_BY_NAME.get(name as string);
      if ((doc as string).startsWith("- ")) {
        // Documented as derived (from the catalog) or required: the row has no literal default of its own.
        expect(row?.default === undefined || name === "enable_point_in_time_tables", name).toBe(true);
        continue;
      }
      const literal = /^(null|true|false|-?\d+|"[^"]*"|\[\]|\{\})/.exec(doc as string)?.[1];
      expect(literal, `${name}: @default ${doc}`).toBeDefined();
      expect(JSON.parse(literal as string), name).toEqual(row?.default);
    }
  });

  it("say the real default wherever a description names one", () => {
    for (const row of ROWS_BY_NAME.values()) {
      const said = /Default: ([^,]+?)(,|\.$)/.exec(row.description)?.[1];
      if (said !== undefined) expect(said, row.name).toBe(String(row.default));
    }
  });

  it("embed a sorted, duplicate-free IANA zone list that Node's ICU knows", () => {
    expect([...IANA_TIME_ZONES].sort()).toEqual(IANA_TIME_ZONES);
    expect(new Set(IANA_TIME_ZONES).size).toBe(IANA_TIME_ZONES.length);
    expect(IANA_TIME_ZONES).toEqual(expect.arrayContaining(["UTC", "Europe/Paris", "America/New_York", "Etc/GMT+5"]));
    expect(IANA_TIME_ZONES).not.toContain("Europe/Pariss");
    for (const zone of IANA_TIME_ZONES)
      expect(() => new Intl.DateTimeFormat("en", { timeZone: zone }), zone).not.toThrow();
  });
});

const skip = announceSkip("module variable bad-input tests", terraformSkipReason());

interface PlanRow {
  readonly label: string;
  /** Module arguments, written as HCL (JSON values are HCL) into an override of the example's module block. */
  readonly args: Readonly<Record<string, unknown>>;
  /** Each error's detail must contain exactly one of these, in any order. */
  readonly messages: readonly string[];
  readonly exitCode: number;
  /**
   * Why the row gets a plan of its own. Rows without it share one plan, each in a module block of its own (so that
   * no row's error hides another's), and own the errors that point at their block.
   */
  readonly alone?: string;
}

/**
 * The module reports these through an output precondition: its diagnostic points into the module's source, not at
 * the calling block, so it cannot be told apart from another row's; and a variable's error anywhere in the
 * configuration stops the plan before output preconditions are checked.
 */
const OUTPUT_PRECONDITION = "an output precondition, which names no calling block and runs only when variables pass";

const BAD_PREFIX =
  'prefix must be 1-228 characters of A-Z, a-z, 0-9, underscore (_), hyphen (-) and dot (.), so that every table name "<prefix>-<TableName>" is a legal DynamoDB table name (3-255 characters of A-Za-z0-9_.-).';
const BAD_TIMEZONE =
  "export_schedule_timezone must be an IANA time zone name such as UTC, Europe/Paris or America/New_York (a name of the tz database 2025b, links included; case matters).";

const BAD_VALIDATION_WINDOW = "restore_testing_validation_window_hours must be a whole number from 1 to 168.";
const RESTORE_TESTING_NEEDS =
  "enable_restore_testing = true needs the AWS Backup plan (enable_backup_plan = true, with at least one table in backup_plan_tables)";

/** The module's optional features at their defaults (on), as the pipeline's and history's own tests plan them. */
const FEATURES_ON = Object.fromEntries(OPTIONAL_FEATURE_SWITCHES.map((v) => [v, true]));
const PIPELINE_SCHEDULE = (name: string): string =>
  `${name} must be rate(<n> minutes|hours|days) (singular unit when n is 1, e.g. rate(1 day)) or a six-field cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>), e.g. cron(0 3 * * ? *).`;
const BAD_BYTES_SCANNED_CUTOFF = `history_queries_bytes_scanned_cutoff must be a whole number of bytes >= ${MIN_BYTES_SCANNED_CUTOFF} (10 MB, Athena's minimum), e.g. ${DEFAULT_BYTES_SCANNED_CUTOFF} for 1 TiB.`;

const PLAN_ROWS: readonly PlanRow[] = [
  { label: "prefix = null gets the prefix rule", args: { prefix: null }, messages: [BAD_PREFIX], exitCode: 1 },
  { label: "prefix = empty string", args: { prefix: "" }, messages: [BAD_PREFIX], exitCode: 1 },
  {
    label: "export_schedule_timezone misspelt",
    args: { export_schedule_timezone: "Europe/Pariss" },
    messages: [BAD_TIMEZONE],
    exitCode: 1,
  },
  {
    label: "export_schedule_timezone in the wrong case",
    args: { export_schedule_timezone: "utc" },
    messages: [BAD_TIMEZONE],
    exitCode: 1,
  },
  {
    label: "change_capture_tables naming an unknown table and a table without a stream",
    args: { change_capture_tables: ["CollectionsTable", "Collections", "SemaphoresTable"] },
    messages: [
      "change_capture_tables may only name catalog tables. Known tables: AccessTokensTable, AsyncOperationsTable, CollectionsTable, ExecutionsTable, FilesTable, GranulesTable, PdrsTable, ProvidersTable, ReconciliationReportsTable, RulesTable, SemaphoresTable, UsersTable.",
      'change_capture_tables: SemaphoresTable has no stream, but change capture reads a NEW_AND_OLD_IMAGES stream. Set streamViewType to "NEW_AND_OLD_IMAGES" for that table in the table catalog (or leave it out: that is the default) and synthesize the module again, or remove the table from change_capture_tables.',
    ],
    exitCode: 1,
  },
  {
    label: "restore_testing_validation_window_hours = 0",
    args: { restore_testing_validation_window_hours: 0 },
    messages: [BAD_VALIDATION_WINDOW],
    exitCode: 1,
  },
  {
    label: "restore_testing_validation_window_hours above AWS Backup's 168",
    args: { restore_testing_validation_window_hours: 169 },
    messages: [BAD_VALIDATION_WINDOW],
    exitCode: 1,
  },
  {
    label: "restore_testing_validation_window_hours not whole",
    args: { restore_testing_validation_window_hours: 2.5 },
    messages: [BAD_VALIDATION_WINDOW],
    exitCode: 1,
  },
  {
    label: "restore_testing_schedule as a rate()",
    args: { restore_testing_schedule: "rate(7 days)" },
    messages: [
      "restore_testing_schedule must be a six-field cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>), e.g. cron(0 7 ? * WED *).",
    ],
    exitCode: 1,
  },
  {
    label: "change capture's numbers out of range",
    args: { max_capture_lag_minutes: 1441, capture_batch_size: 10001, capture_batching_window_seconds: -1 },
    messages: [
      "max_capture_lag_minutes must be a whole number from 1 to 1440 (a DynamoDB stream keeps records for 24 hours, so a larger lag means lost changes).",
      "capture_batch_size must be a whole number from 1 to 10000 (Lambda's limit for DynamoDB streams).",
      "capture_batching_window_seconds must be a whole number from 0 to 300 (Lambda's limit).",
    ],
    exitCode: 1,
  },
  {
    label: "change capture without the export pipeline",
    args: { change_capture_tables: ["CollectionsTable"] },
    messages: [
      "change_capture_tables needs the export pipeline: capture writes to its backup bucket with its key and alarms on its topic, which exist only when enable_export_pipeline is true and the pipeline exports at least one table (export_tables, or enable_point_in_time_tables when export_tables is null). Turn the export pipeline on, or set change_capture_tables = [].",
    ],
    exitCode: 1,
    alone: OUTPUT_PRECONDITION,
  },
  {
    label: "restore_testing_sample_size = 0",
    args: { restore_testing_sample_size: 0 },
    messages: ["restore_testing_sample_size must be a whole number from 1 to 1000."],
    exitCode: 1,
  },
  {
    label: "enable_restore_testing without the backup plan and the export pipeline",
    args: { enable_restore_testing: true },
    messages: [RESTORE_TESTING_NEEDS],
    exitCode: 1,
    alone: OUTPUT_PRECONDITION,
  },
  {
    label: "a number input given a word",
    args: { point_in_time_recovery_period_days: "abc" },
    messages: ["a number is required"],
    exitCode: 1,
  },
  {
    label: "history_queries_bytes_scanned_cutoff below Athena's 10 MB minimum",
    args: { history_queries_bytes_scanned_cutoff: 1024 },
    messages: [
      "history_queries_bytes_scanned_cutoff must be a whole number of bytes >= 10485760 (10 MB, Athena's minimum), e.g. 1099511627776 for 1 TiB.",
    ],
    exitCode: 1,
  },
  {
    label: "enable_history_queries without the export pipeline's bucket",
    args: { enable_history_queries: true, enable_export_pipeline: false },
    messages: [
      "enable_history_queries needs the backup bucket: set enable_export_pipeline = true with at least one table to export (export_tables, or enable_point_in_time_tables when export_tables is null), or set enable_history_queries = false.",
    ],
    exitCode: 1,
    alone: OUTPUT_PRECONDITION,
  },
  {
    label: "the export pipeline's and backup plan's inputs, all wrong at once (first set)",
    args: {
      ...FEATURES_ON,
      export_tables: ["CollectionsTable", "NoSuchTable"],
      export_schedule: "every day",
      incremental_export_interval: "rate(5 minutes)",
      lambda_runtime: "nodejs20.x",
      max_export_age_hours: 169,
      backup_object_lock_mode: "LEGAL_HOLD",
      alarm_subscriptions: [{ protocol: "http", endpoint: "http://example.com" }],
      backup_plan_schedule: "rate(1 day)",
      backup_copy_destination_vault_arn: "dr-vault",
    },
    messages: [
      "export_tables may only name catalog tables. Known tables: AccessTokensTable, AsyncOperationsTable, CollectionsTable, ExecutionsTable, FilesTable, GranulesTable, PdrsTable, ProvidersTable, ReconciliationReportsTable, RulesTable, SemaphoresTable, UsersTable.",
      PIPELINE_SCHEDULE("export_schedule"),
      "incremental_export_interval must be null or rate(<n> minutes|hours) between 15 minutes and 24 hours (DynamoDB's incremental export window), e.g. rate(1 hour) or rate(30 minutes).",
      "lambda_runtime must be one of nodejs22.x, nodejs24.x.",
      "max_export_age_hours must be a whole number from 1 to 168.",
      "backup_object_lock_mode must be null, GOVERNANCE or COMPLIANCE.",
      "alarm_subscriptions entries need a protocol among email, email-json, https, sqs, lambda, sms, firehose, application and a non-empty endpoint.",
      "backup_plan_schedule must be a six-field cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>), e.g. cron(0 5 ? * * *).",
      "backup_copy_destination_vault_arn must be null or a backup vault ARN such as arn:aws:backup:us-west-2:111122223333:backup-vault:dr-vault.",
    ],
    exitCode: 1,
  },
  {
    label: "the export pipeline's and backup plan's inputs, all wrong at once (second set)",
    args: {
      ...FEATURES_ON,
      incremental_export_interval: "rate(25 hours)",
      restore_drill_schedule: "rate(1 days)",
      scan_export_segments: 0,
      backup_bucket_name: "Bad_Bucket",
      lambda_log_retention_days: 10,
      backup_transition_storage_class: "COLD",
      backup_retention_days: 1.5,
      backup_plan_tables: ["Nope"],
      lambda_architecture: "riscv",
    },
    messages: [
      "incremental_export_interval must be null or rate(<n> minutes|hours) between 15 minutes and 24 hours (DynamoDB's incremental export window), e.g. rate(1 hour) or rate(30 minutes).",
      PIPELINE_SCHEDULE("restore_drill_schedule"),
      "scan_export_segments must be a whole number from 1 to 100.",
      "backup_bucket_name must be null or a legal S3 bucket name: 3-63 characters of a-z, 0-9, dot (.) and hyphen (-), starting and ending with a letter or digit, without two adjacent dots.",
      "lambda_log_retention_days must be one of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653.",
      "backup_transition_storage_class must be one of STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE.",
      "backup_retention_days must be a whole number from 1 to 36500.",
      "backup_plan_tables may only name catalog tables. Known tables: AccessTokensTable,",
      "lambda_architecture must be one of arm64, x86_64.",
    ],
    exitCode: 1,
  },
  {
    label: "history_queries_bytes_scanned_cutoff too small, with history queries on",
    args: { ...FEATURES_ON, enable_history_queries: true, history_queries_bytes_scanned_cutoff: 1000 },
    messages: [BAD_BYTES_SCANNED_CUTOFF],
    exitCode: 1,
  },
  {
    label: "history_queries_bytes_scanned_cutoff not whole, with history queries on",
    args: {
      ...FEATURES_ON,
      enable_history_queries: true,
      history_queries_bytes_scanned_cutoff: MIN_BYTES_SCANNED_CUTOFF + 0.5,
    },
    messages: [BAD_BYTES_SCANNED_CUTOFF],
    exitCode: 1,
  },
];

const PLAN_FLAGS = ["plan", "-refresh=false", "-input=false", "-json", "-lock=false"] as const;
const SHARED_ROWS = PLAN_ROWS.filter((r) => r.alone === undefined);
const ALONE_ROWS = PLAN_ROWS.filter((r) => r.alone !== undefined);
/** The file holding one module block per shared row; present only while their plan runs. */
const SHARED_FILE = "bad_rows.tf";
const rowBlock = (row: PlanRow): string => `module "bad_row_${SHARED_ROWS.indexOf(row)}"`;

function hclArgs(args: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(args).map(([k, v]) => `  ${k} = ${JSON.stringify(v)}`);
}

/** A module block per shared row: the row's arguments over the example's prefix, the optional features off. */
function sharedRowsHcl(): string {
  const base = { prefix: "example", ...Object.fromEntries(OPTIONAL_FEATURE_SWITCHES.map((v) => [v, false])) };
  return SHARED_ROWS.map((row) => {
    const lines = [`  source = ${JSON.stringify(EXAMPLE_MODULE_SOURCE)}`, ...hclArgs({ ...base, ...row.args })];
    return `${rowBlock(row)} {\n${lines.join("\n")}\n}\n`;
  }).join("\n");
}

function expectExactly(errors: readonly TerraformDiagnostic[], messages: readonly string[]): void {
  expect(errors.map((e) => e.detail)).toHaveLength(messages.length);
  for (const message of messages) {
    expect(errors.map((e) => e.detail)).toContainEqual(expect.stringContaining(message));
  }
}

describe.skipIf(skip)("terraform plan refuses bad module arguments (offline)", () => {
  let ws: TerraformWorkspace;
  let shared: Promise<RunResult> | undefined;

  beforeAll(async () => {
    ws = TerraformWorkspace.fromExample("hcl-consumer", inject("moduleDir"));
    ws.disableOptionalFeatures();
    // One init installs the shared rows' module blocks too; their file then leaves until their plan.
    writeFileSync(join(ws.dir, SHARED_FILE), sharedRowsHcl());
    await ws.init();
    rmSync(join(ws.dir, SHARED_FILE));
  });

  /** The one plan of every shared row (the example's own block stays valid), run by the first row that needs it. */
  function sharedPlan(): Promise<RunResult> {
    shared ??= (async () => {
      writeFileSync(join(ws.dir, SHARED_FILE), sharedRowsHcl());
      try {
        return await ws.tf(PLAN_FLAGS, { allowFail: true });
      } finally {
        rmSync(join(ws.dir, SHARED_FILE));
      }
    })();
    return shared;
  }

  it.each(SHARED_ROWS)("$label", async (row) => {
    const res = await sharedPlan();
    expect(res.code).toBe(row.exitCode);
    const mine = jsonErrors(res.stdout).filter(
      (e) => e.range?.filename === SHARED_FILE && e.snippet?.context === rowBlock(row),
    );
    expectExactly(mine, row.messages);
    expect(existsSync(join(ws.dir, "terraform.tfstate"))).toBe(false);
  });

  it("owes every error of the shared plan to one row's module block", async () => {
    const errors = jsonErrors((await sharedPlan()).stdout);
    const blocks = new Set(SHARED_ROWS.map(rowBlock));
    expect(errors.filter((e) => e.range?.filename !== SHARED_FILE || !blocks.has(e.snippet?.context ?? ""))).toEqual(
      [],
    );
    expect(errors).toHaveLength(SHARED_ROWS.reduce((n, r) => n + r.messages.length, 0));
  });

  it.each(ALONE_ROWS)("$label (a plan of its own)", async ({ args, messages, exitCode }) => {
    const override = `module "${DEFAULT_MODULE_NAME}" {\n${hclArgs(args).join("\n")}\n}\n`;
    writeFileSync(join(ws.dir, "bad_input_override.tf"), override);
    const res = await ws.tf(PLAN_FLAGS, { allowFail: true });
    expect(res.code).toBe(exitCode);
    expectExactly(jsonErrors(res.stdout), messages);
    expect(existsSync(join(ws.dir, "terraform.tfstate"))).toBe(false);
  });
});
