/**
 * Loaded before every test file (vitest setupFiles): nothing in the suite may reach real AWS, and the output stays
 * quiet (known warnings off; structured log lines held back and printed only for a failing test).
 * Fake credentials, no profile, no instance metadata; clients must be given loopback endpoints explicitly.
 */
import { beforeEach } from "vitest";

process.env.AWS_ACCESS_KEY_ID = "testing";
process.env.AWS_SECRET_ACCESS_KEY = "testing";
process.env.AWS_SESSION_TOKEN = "testing";
process.env.AWS_REGION = "us-east-1";
process.env.AWS_DEFAULT_REGION = "us-east-1";
process.env.AWS_EC2_METADATA_DISABLED = "true";
process.env.AWS_MAX_ATTEMPTS = "3";
delete process.env.AWS_PROFILE;
// Until a test sets a loopback endpoint, any SDK call goes to a closed loopback port instead of AWS.
process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:9";
for (const key of Object.keys(process.env)) {
  if (key.startsWith("AWS_ENDPOINT_URL_")) delete process.env[key];
}

// The SDK warns once per process that its releases after January 2027 need Node >= 22; the suite runs on the Node 20
// this project supports, so the warning is known and only noise here. The SDK's own switch turns off just that warning
// (other warnings still print), and child processes the tests start inherit it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

// The Lambdas' and commands' structured log lines (lib/logger.ts: one JSON object per line, starting {"level":) are
// expected output of the code under test, not of the suite: they are held back and printed only for a test that fails.
const LOG_LINE_PREFIX = '{"level":';
const heldLogLines: string[] = [];
const writeStdout = process.stdout.write.bind(process.stdout) as (
  chunk: string | Uint8Array,
  ...rest: unknown[]
) => boolean;
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
  const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
  const lines = text.split("\n").filter((l) => l !== "");
  if (lines.length > 0 && lines.every((l) => l.startsWith(LOG_LINE_PREFIX))) {
    heldLogLines.push(...lines);
    return true;
  }
  return writeStdout(chunk, ...rest);
}) as typeof process.stdout.write;

beforeEach((ctx) => {
  heldLogLines.length = 0;
  ctx.onTestFailed(() => {
    if (heldLogLines.length > 0) writeStdout(`Log lines of the failed test:\n${heldLogLines.join("\n")}\n`);
  });
});
