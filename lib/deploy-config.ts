/**
 * Settings of the deployable stack (`cdktf deploy`): region, backend and module inputs.
 * Read from cdktf.json's `deploy` context, overridden by $DDB_DEPLOY_CONFIG (a JSON string) and $AWS_REGION.
 * Checked at synth with a zod schema: unknown settings (with the close match), wrong types, and every `inputs` value
 * against its module variable's Terraform type (lib/module-inputs/). Errors are {@link DeployConfigError}s (kind
 * "usage", exit 2) naming the setting, the value and what is allowed.
 * Imports lib/catalog.ts, lib/errors.ts, lib/module-inputs/, lib/schema-errors.ts and zod (synth only).
 */
import { z } from "zod";
import { DEFAULT_CATALOG, TableCatalog } from "./catalog";
import { UsageError } from "./errors";
import { DataPersistenceModuleInputs, moduleInputs } from "./module-inputs/all-inputs";
import { ModuleInput, TfType, hclType } from "./module-inputs/types";
import { closeMatches, errorFrom, issueToReport, showPath, showValue, strictObject } from "./schema-errors";

export const DEPLOY_CONTEXT_KEY = "deploy";
export const DEPLOY_CONFIG_ENV = "DDB_DEPLOY_CONFIG";
export const BACKEND_TYPES = ["local", "s3"] as const;

export interface S3BackendConfig {
  readonly type: "s3";
  readonly bucket: string;
  readonly key: string;
  /** @default - the deploy region */
  readonly region?: string;
  /** @default true */
  readonly encrypt?: boolean;
  /** S3 native state locking. @default true */
  readonly useLockfile?: boolean;
}

export interface LocalBackendConfig {
  readonly type: "local";
  /** @default "terraform.data-persistence.tfstate" */
  readonly path?: string;
}

export interface DeployConfig {
  /** @default "us-east-1" */
  readonly region: string;
  /**
   * A loopback AWS endpoint (moto_server, LocalStack) for trying the stack locally: the provider then uses it for
   * every service, with fake credentials and no credential/account/metadata lookups. Only loopback URLs are accepted.
   * @default - none: real AWS with the standard credential chain
   */
  readonly localEndpoint?: string;
  /** @default { type: "local" } */
  readonly backend: S3BackendConfig | LocalBackendConfig;
  /** Module input values by variable name, each checked against the variable's type. @default {} */
  readonly inputs: DataPersistenceModuleInputs;
}

export const DEFAULT_DEPLOY_REGION = "us-east-1";
/** An AWS region name: us-east-1, eu-central-2, us-gov-west-1, … */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;
/** http://127.x.x.x:port, http://localhost:port or http://[::1]:port */
export const LOOPBACK_URL = /^http:\/\/(127(\.\d{1,3}){3}|localhost|\[::1\]):\d{1,5}\/?$/;
/** Services the module uses; with localEndpoint the provider sends each of them to the local endpoint. */
export const LOCAL_ENDPOINT_SERVICES = [
  "athena",
  "backup",
  "cloudwatch",
  "dynamodb",
  "glue",
  "iam",
  "kms",
  "lambda",
  "logs",
  "s3",
  "scheduler",
  "sfn",
  "sns",
  "sqs",
  "sts",
] as const;

/** Thrown for any invalid deploy setting; kind "usage" (exit 2). */
export class DeployConfigError extends UsageError {}

const loopbackProblem = (v: unknown): string =>
  `${showValue(v)} is not allowed; use a loopback URL such as http://127.0.0.1:5000 (or leave it out for real AWS)`;
const regionName = z.string(errorFrom((v) => `${showValue(v)} is not an AWS region name such as us-east-1`)).regex(
  REGION_PATTERN,
  errorFrom((v) => `${showValue(v)} is not an AWS region name such as us-east-1`),
);
const bool = z.boolean(errorFrom((v) => `${showValue(v)} is not allowed; use true or false`));
const s3Name = z.string(errorFrom((v) => `an s3 backend needs a non-empty string; got ${showValue(v)}`)).min(
  1,
  errorFrom((v) => `an s3 backend needs a non-empty string; got ${showValue(v)}`),
);

const BACKEND_SCHEMAS = {
  local: strictObject(
    {
      type: z.literal("local"),
      path: z
        .string(errorFrom((v) => `${showValue(v)} is not allowed; a state file path`))
        .min(1)
        .optional(),
    },
    'a local backend is { "type": "local", "path"? }',
  ),
  s3: strictObject(
    {
      type: z.literal("s3"),
      bucket: s3Name,
      key: s3Name,
      region: regionName.optional(),
      encrypt: bool.optional(),
      useLockfile: bool.optional(),
    },
    'an s3 backend is { "type": "s3", "bucket", "key", "region"?, "encrypt"?, "useLockfile"? }',
  ),
} as const;

const deploySchema = strictObject(
  {
    region: regionName.optional(),
    localEndpoint: z.string(errorFrom(loopbackProblem)).regex(LOOPBACK_URL, errorFrom(loopbackProblem)).optional(),
    backend: z.unknown().optional(),
    inputs: z.unknown().optional(),
  },
  "the deploy settings are an object { region?, localEndpoint?, backend?, inputs? }",
);

function shapeError(root: string, issue: z.core.$ZodIssue, suffix = ""): DeployConfigError {
  const keys = issue.code === "unrecognized_keys" ? issue.keys.slice(0, 1) : [];
  return new DeployConfigError(`${showPath(root, [...issue.path, ...keys])}: ${issue.message}${suffix}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function parseBackend(raw: unknown): S3BackendConfig | LocalBackendConfig {
  if (raw === undefined) return { type: "local" };
  if (!isObject(raw)) {
    throw new DeployConfigError(
      `deploy.backend: ${showValue(raw)} is not allowed; an object { "type": ${BACKEND_TYPES.map((t) => `"${t}"`).join(" or ")}, … }`,
    );
  }
  const type = raw.type;
  if (!(BACKEND_TYPES as readonly unknown[]).includes(type)) {
    throw new DeployConfigError(
      `deploy.backend.type: ${showValue(type)} is not supported; allowed: ${BACKEND_TYPES.join(", ")}`,
    );
  }
  const parsed = BACKEND_SCHEMAS[type as (typeof BACKEND_TYPES)[number]].safeParse(raw);
  const first = parsed.success ? undefined : issueToReport(parsed.error.issues);
  if (first !== undefined) throw shapeError("deploy.backend", first);
  return raw as unknown as S3BackendConfig | LocalBackendConfig;
}

/** What a value of a Terraform type looks like, for messages: `a string`, `a list of strings`, … */
function expected(type: TfType, plural = false): string {
  const one = (singular: string, many: string): string => (plural ? many : singular);
  switch (type.kind) {
    case "string":
      return one("a string", "strings");
    case "number":
      return one("a number", "numbers");
    case "bool":
      return one("true or false", "booleans");
    case "list":
      return `${one("a list", "lists")} of ${expected(type.of, true)}`;
    case "map":
      return `${one("an object", "objects")} of ${expected(type.of, true)}`;
    case "object":
      return `${one("an object", "objects")} { ${Object.keys(type.fields).join(", ")} }`;
  }
}

/** The zod schema of a Terraform type, for a JSON value (strict: no conversion, no extra object fields). */
export function schemaOf(type: TfType): z.ZodType {
  const message = errorFrom((v) =>
    v === undefined
      ? `is missing; expected ${expected(type)}`
      : `${showValue(v)} is not allowed; expected ${expected(type)}`,
  );
  switch (type.kind) {
    case "string":
      return z.string(message);
    case "number":
      return z.number(message);
    case "bool":
      return z.boolean(message);
    case "list":
      return z.array(schemaOf(type.of), message);
    case "map":
      return z.record(z.string(), schemaOf(type.of), message);
    case "object":
      return strictObject(
        Object.fromEntries(Object.entries(type.fields).map(([k, t]) => [k, schemaOf(t)])),
        `expected ${expected(type)}`,
      );
  }
}

/** Throws when `deploy.inputs` names an input the module does not have (a typo would otherwise be ignored silently). */
export function validateDeployInputNames(inputs: object, known: readonly string[]): void {
  const name = Object.keys(inputs).find((n) => !known.includes(n));
  if (name === undefined) return;
  const close = closeMatches(name, known);
  throw new DeployConfigError(
    `deploy.inputs.${name}: "${name}" is not an input of the module${close.length > 0 ? ` (did you mean ${close.join(" or ")}?)` : ""}; its inputs are: ${[...known].sort().join(", ")}`,
  );
}

/** Checks `deploy.inputs`: known names, and each value against its variable's Terraform type (null only if nullable). */
export function validateDeployInputs(raw: unknown, rows: readonly ModuleInput[]): DataPersistenceModuleInputs {
  if (raw === undefined) return {};
  if (!isObject(raw)) {
    throw new DeployConfigError(
      `deploy.inputs: ${showValue(raw)} is not allowed; must be an object of module input values`,
    );
  }
  validateDeployInputNames(
    raw,
    rows.map((r) => r.name),
  );
  for (const row of rows) {
    if (!Object.hasOwn(raw, row.name)) continue;
    const schema = row.nullable ? schemaOf(row.type).nullable() : schemaOf(row.type);
    const parsed = schema.safeParse(raw[row.name]);
    const first = parsed.success ? undefined : issueToReport(parsed.error.issues);
    if (first !== undefined) {
      const type = `${hclType(row.type)}${row.nullable ? " or null" : ""}`;
      throw shapeError(`deploy.inputs.${row.name}`, first, ` (${row.name} has Terraform type ${type})`);
    }
  }
  return raw as DataPersistenceModuleInputs;
}

function mergedSettings(context: unknown, env: NodeJS.ProcessEnv): Record<string, unknown> {
  if (context !== undefined && !isObject(context)) {
    throw new DeployConfigError(
      `deploy: ${showValue(context)} is not allowed; cdktf.json's context.deploy must be an object { region?, localEndpoint?, backend?, inputs? }`,
    );
  }
  const fromEnv = env[DEPLOY_CONFIG_ENV];
  if (fromEnv === undefined || fromEnv === "") return { ...context };
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromEnv);
  } catch (e) {
    throw new DeployConfigError(`${DEPLOY_CONFIG_ENV}: is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(parsed)) throw new DeployConfigError(`${DEPLOY_CONFIG_ENV}: must be a JSON object`);
  return { ...context, ...parsed };
}

/**
 * Builds the deploy config from context and environment, validating every field. The catalog shapes only the module
 * inputs' descriptions; their names and types are the same for every catalog.
 */
export function resolveDeployConfig(
  context: unknown,
  env: NodeJS.ProcessEnv = process.env,
  catalog: TableCatalog = DEFAULT_CATALOG,
): DeployConfig {
  const raw = mergedSettings(context, env);
  const parsed = deploySchema.safeParse(raw);
  const first = parsed.success ? undefined : issueToReport(parsed.error.issues);
  if (first !== undefined) throw shapeError("deploy", first);
  const fromEnv = env.AWS_REGION;
  if (fromEnv !== undefined && !REGION_PATTERN.test(fromEnv)) {
    throw new DeployConfigError(`AWS_REGION: ${showValue(fromEnv)} is not an AWS region name such as us-east-1`);
  }
  const region = fromEnv ?? (raw.region as string | undefined) ?? DEFAULT_DEPLOY_REGION;
  const localEndpoint = raw.localEndpoint as string | undefined;
  return {
    region,
    backend: parseBackend(raw.backend),
    inputs: validateDeployInputs(raw.inputs, moduleInputs(catalog)),
    ...(localEndpoint === undefined ? {} : { localEndpoint }),
  };
}
