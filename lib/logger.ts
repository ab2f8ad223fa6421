/**
 * Structured JSON logger shared by the Lambdas and long-running commands: one JSON object per line,
 * with level, message, timestamp and fields. Lambda's JSON log format picks these up as-is.
 */
export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";
const ORDER: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(
  base: Record<string, unknown> = {},
  opts: { level?: LogLevel; write?: (line: string) => void } = {},
): Logger {
  const min =
    ORDER[opts.level ?? (process.env.LOG_LEVEL?.toUpperCase() as LogLevel | undefined) ?? "INFO"] ?? ORDER.INFO;
  const write = opts.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    write(JSON.stringify({ level, message, timestamp: new Date().toISOString(), ...base, ...fields }, errorReplacer));
  };
  return {
    debug: (m, f) => emit("DEBUG", m, f),
    info: (m, f) => emit("INFO", m, f),
    warn: (m, f) => emit("WARN", m, f),
    error: (m, f) => emit("ERROR", m, f),
    child: (fields) => createLogger({ ...base, ...fields }, opts),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}
