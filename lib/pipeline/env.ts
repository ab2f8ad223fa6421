/**
 * The Lambdas' settings, from their environment (set by the module). A missing setting is a clear error naming it.
 */
import { PipelineError } from "./errors";

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const v = env[name];
  if (v === undefined || v === "") {
    throw new PipelineError(
      "PipelineConfigurationError",
      `environment variable ${name} is not set; the module sets it on every pipeline function (was the function changed by hand?)`,
    );
  }
  return v;
}

export function requireIntEnv(name: string, min: number, max: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = requireEnv(name, env);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new PipelineError(
      "PipelineConfigurationError",
      `environment variable ${name} is ${JSON.stringify(raw)}; expected a whole number from ${min} to ${max}`,
    );
  }
  return n;
}
