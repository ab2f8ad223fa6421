/**
 * Reads resources back from moto with the aws CLI (installed on the test bed) for the services the project has no SDK
 * client for (Lambda, Step Functions, Scheduler, CloudWatch, IAM, AWS Backup, KMS). Always async: the moto shim runs in
 * the test process, so a synchronous child process would deadlock it.
 */
import { run } from "../../support/terraform";

export async function awsCli<T = Record<string, unknown>>(
  env: NodeJS.ProcessEnv,
  endpoint: string,
  args: readonly string[],
): Promise<T> {
  const res = await run("aws", [...args, "--endpoint-url", endpoint, "--output", "json"], process.cwd(), {
    ...env,
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_MAX_ATTEMPTS: "2",
  });
  if (res.code !== 0) throw new Error(`aws ${args.join(" ")} failed (${res.code}): ${res.stderr}`);
  return (res.stdout.trim() === "" ? {} : JSON.parse(res.stdout)) as T;
}
