/**
 * Turns failures of AWS itself (refused credentials, missing permissions, an unreachable endpoint, no region) into one typed
 * error with a message a tired operator can act on: which AWS call failed, what AWS said, and what to check. The commands
 * stay free of try/catch around every SDK call: the single CLI entry (reportError) classifies whatever escaped.
 */
import { AWS_OPERATION_PROPERTY } from "../aws";
import { AwsError, DrError } from "../errors";

/** AWS refused a call or could not be reached. Nothing after the failed call ran. */
export class AwsCallError extends AwsError {}

const CREDENTIAL_ERRORS = new Set([
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "InvalidClientTokenId",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidAccessKeyId",
  "MissingAuthenticationToken",
  "MissingAuthenticationTokenException",
]);

const PERMISSION_ERRORS = new Set([
  "AccessDeniedException",
  "AccessDenied",
  "UnauthorizedOperation",
  "KMSAccessDeniedException",
]);

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

const CREDENTIALS_HINT =
  "check AWS_PROFILE (and `aws sso login` for SSO profiles) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN";

interface SdkErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly requestId?: string };
  readonly [AWS_OPERATION_PROPERTY]?: unknown;
}

/** The AWS failure behind `err` as an AwsCallError, or undefined when `err` is not an AWS/SDK failure. */
export function classifyAwsError(err: unknown): AwsCallError | undefined {
  if (!(err instanceof Error) || err instanceof DrError) return undefined;
  const e = err as Error & SdkErrorShape;
  const name = typeof e.name === "string" ? e.name : "";
  const operation = typeof e[AWS_OPERATION_PROPERTY] === "string" ? e[AWS_OPERATION_PROPERTY] : undefined;
  const call = operation === undefined ? "an AWS call" : `AWS ${operation}`;
  const meta = e.$metadata;
  const status = meta?.httpStatusCode;
  // A response without a body (S3's HEAD requests) leaves the SDK only the status: "Unknown: UnknownError".
  const what =
    (name === "Unknown" || name === "Forbidden" || name === String(status)) && status !== undefined
      ? `HTTP ${status} without an error body`
      : `${name}: ${e.message}`;

  if (name === "CredentialsProviderError") {
    return new AwsCallError(`${call} failed: no AWS credentials could be loaded (${e.message}); ${CREDENTIALS_HINT}`);
  }
  if (/region is missing/i.test(e.message)) {
    return new AwsCallError(
      `${call} failed: no AWS region is configured; set AWS_REGION or use a profile with a region`,
    );
  }
  const code = typeof e.code === "string" ? e.code : undefined;
  if ((code !== undefined && NETWORK_CODES.has(code)) || name === "TimeoutError") {
    return new AwsCallError(
      `${call} failed: the endpoint could not be reached (${code ?? name}: ${e.message}); ` +
        "check the network, AWS_REGION and any AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> setting",
    );
  }
  if (meta === undefined || typeof meta !== "object") return undefined;
  const details = [
    status === undefined ? undefined : `HTTP ${status}`,
    meta.requestId === undefined ? undefined : `request id ${meta.requestId}`,
  ].filter((d) => d !== undefined);
  const suffix = details.length === 0 ? "" : ` (${details.join(", ")})`;
  if (CREDENTIAL_ERRORS.has(name)) {
    return new AwsCallError(`${call} failed: AWS rejected the credentials — ${what}${suffix}; ${CREDENTIALS_HINT}`);
  }
  if (PERMISSION_ERRORS.has(name) || status === 403) {
    return new AwsCallError(
      `${call} failed: permission denied — ${what}${suffix}; the identity running this command needs that action ` +
        "on the resource named (--help lists every permission the command needs)",
    );
  }
  return new AwsCallError(`${call} failed: ${what}${suffix}`);
}
