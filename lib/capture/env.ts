/**
 * The capture functions' settings, from their environment (set by modules/change-capture.ts). Anything missing or
 * malformed is a {@link CaptureConfigError} naming the variable, its value and what is allowed.
 */
import { CAPTURE_ENV } from "./config";
import { CaptureConfigError } from "./errors";

export interface CaptureSettings {
  readonly bucket: string;
  /** Physical table name → catalog name. */
  readonly tables: ReadonlyMap<string, string>;
  readonly kmsKeyArn: string | undefined;
  readonly alarmTopicArn: string | undefined;
}

const NAME = /^[A-Za-z0-9_.-]{3,255}$/;

function required(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (v === undefined || v.trim() === "") {
    throw new CaptureConfigError(
      `environment variable ${name} is not set; the change-capture module sets it on the function (was the function changed by hand? re-apply the module)`,
    );
  }
  return v.trim();
}

function optional(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === "" ? undefined : v;
}

/** Parses CAPTURE_TABLES: a JSON object of physical table name → catalog name, at least one entry. */
export function parseCaptureTables(raw: string): Map<string, string> {
  const name = CAPTURE_ENV.tables;
  const example = `{"prod-UsersTable":"UsersTable"}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new CaptureConfigError(
      `environment variable ${name} is not valid JSON (${(err as Error).message}): ${JSON.stringify(raw.slice(0, 200))}; expected an object of physical table name to catalog name, e.g. ${example}`,
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new CaptureConfigError(
      `environment variable ${name} must be a JSON object of physical table name to catalog name, e.g. ${example}; got ${JSON.stringify(raw.slice(0, 200))}`,
    );
  }
  const tables = new Map<string, string>();
  for (const [physical, catalog] of Object.entries(parsed as Record<string, unknown>)) {
    if (!NAME.test(physical) || typeof catalog !== "string" || !NAME.test(catalog)) {
      throw new CaptureConfigError(
        `environment variable ${name}: entry ${JSON.stringify(physical)}: ${JSON.stringify(catalog)} is not allowed; both names must be DynamoDB table names (3-255 of A-Z a-z 0-9 _ . -)`,
      );
    }
    tables.set(physical, catalog);
  }
  if (tables.size === 0) {
    throw new CaptureConfigError(
      `environment variable ${name} is {}; it must name at least one table, e.g. ${example}`,
    );
  }
  return tables;
}

export function captureSettings(env: NodeJS.ProcessEnv = process.env): CaptureSettings {
  const bucket = required(env, CAPTURE_ENV.bucket);
  return {
    bucket,
    tables: parseCaptureTables(required(env, CAPTURE_ENV.tables)),
    kmsKeyArn: optional(env, CAPTURE_ENV.kmsKeyArn),
    alarmTopicArn: optional(env, CAPTURE_ENV.alarmTopicArn),
  };
}
