/**
 * REHEARSAL ONLY: S3 bucket policies kept by the rehearsal proxy instead of moto. The module's backup bucket denies
 * every request without TLS (aws:SecureTransport false), and moto enforces that on plain-http loopback requests: with
 * the policy in moto, nothing could write the bucket locally. The policy is kept here (terraform puts it and reads it
 * back unchanged, so the plan stays clean) and not enforced; in AWS it is.
 */
import type { IncomingMessage } from "node:http";

/** `/<bucket>?policy` or `/<bucket>/?policy` (path-style), or `/?policy` (the bucket in the host name). */
const POLICY = /^\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])?\/?\?policy(?:=)?$/;

export interface PolicyAnswer {
  readonly status: number;
  readonly body?: string;
  readonly contentType?: string;
}

const noPolicy = (bucket: string): PolicyAnswer => ({
  status: 404,
  contentType: "application/xml",
  body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucketPolicy</Code><Message>The bucket policy does not exist</Message><BucketName>${bucket}</BucketName></Error>`,
});

export class BucketPolicies {
  private readonly policies = new Map<string, string>();

  /** The answer to a bucket-policy request, or undefined for any other request (forwarded to moto). */
  handle(req: IncomingMessage, body: Buffer): PolicyAnswer | undefined {
    const m = POLICY.exec(req.url ?? "");
    if (m === null) return undefined;
    const bucket = m[1] ?? (req.headers.host ?? "").split(".127.")[0] ?? "";
    if (req.method === "PUT") {
      this.policies.set(bucket, body.toString("utf8"));
      return { status: 204 };
    }
    if (req.method === "DELETE") {
      this.policies.delete(bucket);
      return { status: 204 };
    }
    if (req.method !== "GET") return undefined;
    const policy = this.policies.get(bucket);
    return policy === undefined ? noPolicy(bucket) : { status: 200, body: policy, contentType: "application/json" };
  }
}
