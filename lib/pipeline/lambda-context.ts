/**
 * What the handlers need from Lambda's context object, typed here so the handlers do not depend on @types/aws-lambda.
 */
export interface LambdaContext {
  readonly functionName?: string;
  readonly awsRequestId?: string;
  getRemainingTimeInMillis?: () => number;
}

/** Work stops this long before the invocation's time runs out (to close files and save progress). */
export const SAFETY_MARGIN_MS = 90_000;
/** Without a Lambda context (tests, local runs), work for at most this long per call. */
export const DEFAULT_BUDGET_MS = 10 * 60_000;

/** The time (epoch ms) by which a resumable step must stop taking new work. */
export function deadlineOf(context: LambdaContext | undefined, now: number = Date.now()): number {
  const remaining = context?.getRemainingTimeInMillis?.();
  if (remaining === undefined) return now + DEFAULT_BUDGET_MS;
  return now + Math.max(remaining - SAFETY_MARGIN_MS, Math.min(remaining / 2, 10_000));
}
