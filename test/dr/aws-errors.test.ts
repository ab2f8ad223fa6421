/**
 * Failures of AWS itself reach the operator as one typed error (exit 8, kind "aws") naming the AWS call, what AWS said and
 * what to check — never as "unexpected" with a stack trace.
 *
 * The refusals (AccessDenied, bad credentials) come from a loopback HTTP server that answers every request the way DynamoDB
 * and S3 answer a refused request: the SDK's real deserializers turn them into its real exception classes. No local AWS
 * emulator enforces IAM, so a stub server is the closest real thing.
 */
import { createServer, type Server } from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resetClients } from "../../lib/aws";
import { AwsCallError, classifyAwsError } from "../../lib/cli/aws-errors";
import { EXIT } from "../../lib/cli/errors";
import { UsageError } from "../../lib/errors";
import { runDr, useEndpoint } from "./helpers";

interface Refusal {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

let refusal: Refusal = { status: 400, type: "AccessDeniedException", message: "denied" };
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const isDynamo = (req.headers["x-amz-target"] ?? "").toString().startsWith("DynamoDB_");
      res.setHeader("x-amzn-requestid", "REQ-1234");
      if (isDynamo) {
        res.writeHead(refusal.status, { "content-type": "application/x-amz-json-1.0" });
        res.end(JSON.stringify({ __type: `com.amazon.coral.service#${refusal.type}`, message: refusal.message }));
      } else {
        res.writeHead(403, { "content-type": "application/xml", "x-amz-request-id": "REQ-1234" });
        res.end(`<Error><Code>AccessDenied</Code><Message>${refusal.message}</Message></Error>`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const savedEnv = { ...process.env };
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  resetClients();
});

const RESTORE = ["restore-pitr", "--table", "CollectionsTable", "--prefix", "p", "--latest"];

function expectNoStack(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe("AWS failures in the DR commands", () => {
  it("permission denied names the call, AWS's words, the request id and exits 8", async () => {
    refusal = {
      status: 400,
      type: "AccessDeniedException",
      message: "User: arn:aws:iam::000000000000:user/ops is not authorized to perform: dynamodb:DescribeTable",
    };
    useEndpoint(endpoint);
    const res = await runDr(RESTORE);
    expect(res.code).toBe(EXIT.aws);
    expect(res.stderr).toMatch(
      /^error: AWS DynamoDB\.\w+ failed: permission denied — AccessDeniedException: User: arn:aws:iam::000000000000:user\/ops is not authorized to perform: dynamodb:DescribeTable \(HTTP 400, request id REQ-1234\); the identity running this command needs that action/,
    );
    expectNoStack(res.stderr);
  });

  it("rejected credentials say which settings to check", async () => {
    refusal = {
      status: 400,
      type: "UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
    };
    useEndpoint(endpoint);
    const res = await runDr(RESTORE);
    expect(res.code).toBe(EXIT.aws);
    expect(res.stderr).toContain(
      "failed: AWS rejected the credentials — UnrecognizedClientException: The security token",
    );
    expect(res.stderr).toContain("check AWS_PROFILE");
    expectNoStack(res.stderr);
  });

  it("--json reports kind aws with the same message", async () => {
    refusal = { status: 400, type: "AccessDeniedException", message: "nope" };
    useEndpoint(endpoint);
    const res = await runDr([...RESTORE, "--json"]);
    expect(res.code).toBe(EXIT.aws);
    const parsed = JSON.parse(res.stdout) as { error: { kind: string; message: string; exitCode: number } };
    expect(parsed.error.kind).toBe("aws");
    expect(parsed.error.exitCode).toBe(EXIT.aws);
    expect(parsed.error.message).toMatch(/^AWS DynamoDB\.\w+ failed: permission denied — AccessDeniedException: nope/);
  });

  it("an unreachable endpoint says so and names the endpoint settings", async () => {
    process.env.AWS_MAX_ATTEMPTS = "1";
    useEndpoint("http://127.0.0.1:9");
    const res = await runDr(RESTORE);
    expect(res.code).toBe(EXIT.aws);
    expect(res.stderr).toMatch(/^error: AWS DynamoDB\.\w+ failed: the endpoint could not be reached \(ECONNREFUSED: /);
    expect(res.stderr).toContain("AWS_ENDPOINT_URL");
    expectNoStack(res.stderr);
  });

  it("no credentials at all: the credential chain's failure is explained", async () => {
    const dir = mkdtempSync(join(tmpdir(), "no-creds-"));
    writeFileSync(join(dir, "config"), "");
    writeFileSync(join(dir, "credentials"), "");
    for (const key of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"]) {
      delete process.env[key];
    }
    process.env.AWS_CONFIG_FILE = join(dir, "config");
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, "credentials");
    process.env.AWS_EC2_METADATA_DISABLED = "true";
    delete process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
    delete process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
    delete process.env.AWS_WEB_IDENTITY_TOKEN_FILE;
    useEndpoint(endpoint);
    const res = await runDr(RESTORE);
    expect(res.code).toBe(EXIT.aws);
    expect(res.stderr).toMatch(/^error: AWS DynamoDB\.\w+ failed: no AWS credentials could be loaded \(/);
    expect(res.stderr).toContain("check AWS_PROFILE");
    expectNoStack(res.stderr);
  });

  it("S3 refusals (verify s3://…) are classified the same way, a bodiless HEAD 403 included", async () => {
    useEndpoint(endpoint);
    refusal = { status: 400, type: "AccessDeniedException", message: "bucket denied" };
    const res = await runDr(["verify", "s3://bucket/prefix"]);
    expect(res.code).toBe(EXIT.aws);
    expect(res.stderr).toBe(
      "error: AWS S3.HeadObject failed: permission denied — HTTP 403 without an error body (HTTP 403, request id REQ-1234); " +
        "the identity running this command needs that action on the resource named (--help lists every permission the command needs)\n",
    );
    expectNoStack(res.stderr);
  });
});

describe("classifyAwsError", () => {
  it("leaves the commands' own errors and plain bugs alone", () => {
    expect(classifyAwsError(new UsageError("--table: bad"))).toBeUndefined();
    expect(classifyAwsError(new TypeError("x is undefined"))).toBeUndefined();
    expect(classifyAwsError("a string")).toBeUndefined();
  });

  it("classifies a service error without an operation as 'an AWS call'", () => {
    const err = Object.assign(new Error("Throughput exceeds the current capacity"), {
      name: "ProvisionedThroughputExceededException",
      $metadata: { httpStatusCode: 400 },
    });
    const classified = classifyAwsError(err);
    expect(classified).toBeInstanceOf(AwsCallError);
    expect(classified?.message).toBe(
      "an AWS call failed: ProvisionedThroughputExceededException: Throughput exceeds the current capacity (HTTP 400)",
    );
  });
});
