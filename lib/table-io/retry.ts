/**
 * Retries with exponential backoff and full jitter, for the errors DynamoDB (and S3) tell clients to retry: throttling,
 * 5xx, and dropped or reset connections. This sits on top of the SDK's own retries (AWS_MAX_ATTEMPTS), which give up
 * quickly under sustained throttling; a backup or restore must ride that out instead of failing half-way.
 */
export interface RetryPolicy {
  /** Total attempts including the first. @default 12 */
  readonly maxAttempts?: number;
  /** First backoff ceiling. @default 50 */
  readonly baseDelayMs?: number;
  /** Largest backoff ceiling. @default 10000 */
  readonly maxDelayMs?: number;
}

export const DEFAULT_RETRY: Required<RetryPolicy> = { maxAttempts: 12, baseDelayMs: 50, maxDelayMs: 10_000 };

/** Full jitter: a uniformly random wait in [0, min(maxDelay, base * 2^attempt)). `attempt` counts from 0. */
export function backoffDelay(attempt: number, policy: RetryPolicy = {}, random: () => number = Math.random): number {
  const base = policy.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const cap = policy.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

const RETRYABLE_NAMES = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "Throttling",
  "RequestLimitExceeded",
  "LimitExceededException",
  "InternalServerError",
  "InternalFailure",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "SlowDown",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  "NetworkingError",
  "TransactionInProgressException",
]);

const RETRYABLE_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

/** Whether an error is worth retrying (throttling, 5xx, network). Validation and auth errors are not. */
export function isRetryable(err: unknown): boolean {
  if (err === null || typeof err !== "object") return false;
  const e = err as {
    name?: string;
    code?: string;
    message?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
    cause?: unknown;
  };
  if (e.name !== undefined && RETRYABLE_NAMES.has(e.name)) return true;
  if (e.code !== undefined && RETRYABLE_CODES.has(e.code)) return true;
  if (e.$retryable !== undefined) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  if (typeof e.message === "string" && /socket hang up|ECONNRESET|EPIPE|premature close|aborted/i.test(e.message)) {
    return true;
  }
  if (e.cause !== undefined && e.cause !== err) return isRetryable(e.cause);
  return false;
}

export interface RetryHooks {
  /** Called before each wait. */
  readonly onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs `fn`, retrying retryable errors with backoff and jitter. Non-retryable errors and the last failure are thrown. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy = {},
  hooks: RetryHooks = {},
): Promise<T> {
  const max = policy.maxAttempts ?? DEFAULT_RETRY.maxAttempts;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isRetryable(err) || attempt + 1 >= max) throw err;
      const delay = backoffDelay(attempt, policy);
      hooks.onRetry?.(err, attempt, delay);
      await (hooks.sleep ?? sleep)(delay);
    }
  }
}
