/**
 * Finding the external tools the integration tests need. On the project's machines they are always present;
 * elsewhere the tests that need them skip with a loud reason (see `skipReason`).
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

/** Prints the reason once, loudly, so a skipped integration suite never passes unnoticed. */
export function announceSkip(suite: string, reason: string | undefined): boolean {
  if (reason === undefined) return false;
  console.warn(`\n!!!!! SKIPPING ${suite}: ${reason}. These tests MUST run in CI. !!!!!\n`);
  return true;
}
