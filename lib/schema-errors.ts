/**
 * Shared wording for the input schemas (catalog, deploy configuration, module inputs): how a value, a path and a
 * misspelt name are shown, so every malformed input gets the same message shape — the input's path, the value and
 * what is allowed. Synth and CLI only (never imported by a Lambda). Imports zod.
 */
import { z } from "zod";

/** A value as the user wrote it (JSON), kept short. */
export function showValue(value: unknown): string {
  if (value === undefined) return "undefined";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `a.b[0].c` from a zod-style path. */
export function showPath(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, step) => (typeof step === "number" ? `${out}[${step}]` : `${out}.${String(step)}`),
    root,
  );
}

/** Levenshtein distance (small strings only: field and input names). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (cur[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** Names close enough to `name` to be what was meant: at most 3 edits, or one a prefix of the other (ignoring case). */
export function closeMatches(name: string, known: readonly string[]): string[] {
  const lower = name.toLowerCase();
  return known.filter((k) => {
    const candidate = k.toLowerCase();
    return candidate.startsWith(lower) || lower.startsWith(candidate) || editDistance(candidate, lower) <= 3;
  });
}

/** `unknown field (did you mean x?); allowed fields: a, b, c` */
export function unknownFieldMessage(name: string, known: readonly string[], noun = "field"): string {
  const close = closeMatches(name, known);
  return `unknown ${noun}${close.length > 0 ? ` (did you mean ${close.join(" or ")}?)` : ""}; allowed ${noun}s: ${known.join(", ")}`;
}

type ErrorFn = (input: unknown) => string;
/** zod's `error` option from a function of the offending value. */
export const errorFrom = (fn: ErrorFn) => ({ error: (iss: { input?: unknown }) => fn(iss.input) });

/**
 * A strict object: an unknown field is an error naming the close match (the path then ends at that field); anything
 * else than an object names what is expected.
 */
export function strictObject<T extends z.ZodRawShape>(shape: T, what: string) {
  const fields = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? unknownFieldMessage(String((iss as { keys?: string[] }).keys?.[0]), fields)
        : `${showValue(iss.input)} is not allowed; ${what}`,
  });
}

/**
 * The issue to report: the first one, except that a missing field reported next to an unknown field of the same
 * object yields to the unknown field (a misspelling produces both; the close match is the useful message).
 */
export function issueToReport(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue | undefined {
  const first = issues[0];
  if (first === undefined || first.code !== "invalid_type" || first.input !== undefined) return first;
  const parent = JSON.stringify(first.path.slice(0, -1));
  return issues.find((i) => i.code === "unrecognized_keys" && JSON.stringify(i.path) === parent) ?? first;
}
