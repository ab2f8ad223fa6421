/**
 * Finding the external tools the integration tests need. On the project's machines they are always present;
 * elsewhere the tests that need them skip with a loud reason (see `announceSkip`) — except in CI, which sets
 * REQUIRE_INTEGRATION=1 (.ci/run): there a missing tool fails the run instead of skipping suites.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

function onPath(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/** Filesystem mirror holding registry.terraform.io/hashicorp/aws; $TF_PLUGIN_DIR wins. */
export function findPluginDir(): string | undefined {
  const candidates = [
    process.env.TF_PLUGIN_DIR,
    "/opt/tf-plugins",
    "/usr/share/terraform/plugins",
    "/root/.terraform.d/plugins",
  ];
  for (const dir of candidates) {
    if (dir !== undefined && existsSync(join(dir, "registry.terraform.io", "hashicorp", "aws"))) {
      const versions = readdirSync(join(dir, "registry.terraform.io", "hashicorp", "aws"));
      if (versions.length > 0) return dir;
    }
  }
  return undefined;
}

export const hasTerraform = onPath("terraform") && findPluginDir() !== undefined;
export const hasMoto = onPath("moto_server");
export const hasJava = onPath("java");

/** Why terraform tests cannot run here, or undefined when they can. Printed loudly when they skip. */
export function terraformSkipReason(): string | undefined {
  if (!onPath("terraform")) return "terraform is not on PATH";
  if (findPluginDir() === undefined) return "no offline hashicorp/aws provider mirror found (set TF_PLUGIN_DIR)";
  return undefined;
}

export function motoSkipReason(): string | undefined {
  return hasMoto ? undefined : "moto_server is not on PATH (pip install 'moto[server]')";
}

/** The environment variable CI sets so that a missing integration tool fails the run. */
export const REQUIRE_INTEGRATION_ENV = "REQUIRE_INTEGRATION";

/** Thrown (failing the test file) when an integration tool is missing and REQUIRE_INTEGRATION=1. */
export class MissingIntegrationToolError extends Error {
  constructor(suite: string, reason: string) {
    super(
      `${suite} cannot run: ${reason}. ${REQUIRE_INTEGRATION_ENV}=1 is set (as in CI), so a missing tool fails the run instead of skipping; install it, or unset ${REQUIRE_INTEGRATION_ENV} to skip locally.`,
    );
    this.name = "MissingIntegrationToolError";
  }
}

/**
 * Whether a suite must skip: false when its tools are there (reason undefined). Otherwise it prints the reason once,
 * loudly, so a skipped integration suite never passes unnoticed — or, with REQUIRE_INTEGRATION=1, throws.
 */
export function announceSkip(suite: string, reason: string | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (reason === undefined) return false;
  if (env[REQUIRE_INTEGRATION_ENV] === "1") throw new MissingIntegrationToolError(suite, reason);
  console.warn(`\n!!!!! SKIPPING ${suite}: ${reason}. These tests MUST run in CI. !!!!!\n`);
  return true;
}

/** Why Java (DynamoDB Local) tests cannot run here, or undefined when they can. */
export function javaSkipReason(): string | undefined {
  return hasJava ? undefined : "java is not on PATH (DynamoDB Local needs it)";
}
