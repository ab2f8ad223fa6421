/**
 * Settings of the deployable stack (`cdktf deploy`): region, backend and module inputs.
 * Read from cdktf.json's `deploy` context, overridden by $DDB_DEPLOY_CONFIG (a JSON string) and $AWS_REGION.
 */
import type { DataPersistenceModuleInputs } from "../modules/data-persistence";

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
  readonly backend: S3BackendConfig | LocalBackendConfig;
  /** Module input values by variable name; names are checked against the module when the deploy stack is built. */
  readonly inputs: DataPersistenceModuleInputs;
}

export const DEFAULT_DEPLOY_REGION = "us-east-1";
/** http://127.x.x.x:port, http://localhost:port or http://[::1]:port */
export const LOOPBACK_URL = /^http:\/\/(127(\.\d{1,3}){3}|localhost|\[::1\]):\d{1,5}\/?$/;
/** Services the module uses; with localEndpoint the provider sends each of them to the local endpoint. */
export const LOCAL_ENDPOINT_SERVICES = [
  "backup",
  "cloudwatch",
  "dynamodb",
  "iam",
  "kms",
  "lambda",
  "logs",
  "s3",
  "scheduler",
  "sfn",
  "sns",
  "sts",
] as const;

export class DeployConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeployConfigError";
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function validateBackend(raw: unknown): S3BackendConfig | LocalBackendConfig {
  if (raw === undefined) return { type: "local" };
  if (!isObject(raw) || !(BACKEND_TYPES as readonly unknown[]).includes(raw.type)) {
    throw new DeployConfigError(
      `deploy.backend.type: ${JSON.stringify(isObject(raw) ? raw.type : raw)} is not supported; allowed: ${BACKEND_TYPES.join(", ")}`,
    );
  }
  if (raw.type === "s3") {
    for (const field of ["bucket", "key"] as const) {
      if (typeof raw[field] !== "string" || raw[field] === "") {
        throw new DeployConfigError(
          `deploy.backend.${field}: an s3 backend needs a non-empty string; got ${JSON.stringify(raw[field])}`,
        );
      }
    }
  }
  return raw as unknown as S3BackendConfig | LocalBackendConfig;
}

/** Throws when `deploy.inputs` names an input the module does not have (a typo would otherwise be ignored silently). */
export function validateDeployInputNames(inputs: object, known: readonly string[]): void {
  const unknown = Object.keys(inputs).filter((name) => !known.includes(name));
  if (unknown.length === 0) return;
  const name = unknown[0] as string;
  const close = known.filter((k) => editDistance(k, name) <= 3);
  throw new DeployConfigError(
    `deploy.inputs.${name}: "${name}" is not an input of the module${close.length > 0 ? ` (did you mean ${close.join(" or ")}?)` : ""}; its inputs are: ${known.join(", ")}`,
  );
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (cur[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** Builds the deploy config from context and environment, validating every field it reads. */
export function resolveDeployConfig(context: unknown, env: NodeJS.ProcessEnv = process.env): DeployConfig {
  let raw: Record<string, unknown> = isObject(context) ? { ...context } : {};
  const fromEnv = env[DEPLOY_CONFIG_ENV];
  if (fromEnv !== undefined && fromEnv !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fromEnv);
    } catch (err) {
      throw new DeployConfigError(`${DEPLOY_CONFIG_ENV}: is not valid JSON (${(err as Error).message})`);
    }
    if (!isObject(parsed)) throw new DeployConfigError(`${DEPLOY_CONFIG_ENV}: must be a JSON object`);
    raw = { ...raw, ...parsed };
  }
  const region = env.AWS_REGION ?? (typeof raw.region === "string" ? raw.region : DEFAULT_DEPLOY_REGION);
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new DeployConfigError(`deploy.region: "${region}" is not an AWS region name such as us-east-1`);
  }
  const inputs = raw.inputs === undefined ? {} : raw.inputs;
  if (!isObject(inputs)) throw new DeployConfigError("deploy.inputs: must be an object of module input values");
  const localEndpoint = raw.localEndpoint;
  if (localEndpoint !== undefined && (typeof localEndpoint !== "string" || !LOOPBACK_URL.test(localEndpoint))) {
    throw new DeployConfigError(
      `deploy.localEndpoint: ${JSON.stringify(localEndpoint)} is not allowed; use a loopback URL such as http://127.0.0.1:5000 (or leave it out for real AWS)`,
    );
  }
  return {
    region,
    backend: validateBackend(raw.backend),
    inputs: inputs as DataPersistenceModuleInputs,
    ...(localEndpoint === undefined ? {} : { localEndpoint }),
  };
}
