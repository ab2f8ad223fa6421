/**
 * Validation blocks shared by the input tables, written once: whole-number ranges, closed lists, schedules.
 * Imports lib/hcl.ts and lib/module-inputs/types.ts.
 */
import { hclList, hclString } from "../hcl";
import type { Validation } from "./types";

/** An EventBridge Scheduler recurring expression: `rate(1 day)`, `rate(6 hours)` or a six-field `cron(…)`. */
export const SCHEDULE_REGEX = String.raw`^(rate\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\)|cron\(\S+ \S+ \S+ \S+ \S+ \S+\))$`;

export function scheduleValidation(name: string): Validation {
  return {
    condition: `\${can(regex(${hclString(SCHEDULE_REGEX)}, var.${name}))}`,
    errorMessage: `${name} must be rate(<n> minutes|hours|days) (singular unit when n is 1, e.g. rate(1 day)) or a six-field cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>), e.g. cron(0 3 * * ? *).`,
  };
}

export function wholeRange(name: string, min: number, max: number): Validation {
  return {
    condition: `\${var.${name} >= ${min} && var.${name} <= ${max} && floor(var.${name}) == var.${name}}`,
    errorMessage: `${name} must be a whole number from ${min} to ${max}.`,
  };
}

export function oneOf(name: string, values: readonly string[]): Validation {
  return {
    condition: `\${contains(${hclList(values)}, var.${name})}`,
    errorMessage: `${name} must be one of ${values.join(", ")}.`,
  };
}

/** Every element of a list input (or null when `nullable`) is a catalog table name. */
export function catalogNames(name: string, names: readonly string[], nullable: boolean): Validation {
  const check = `alltrue([for t in var.${name} : contains(${hclList(names)}, t)])`;
  return {
    condition: nullable ? `\${var.${name} == null ? true : ${check}}` : `\${${check}}`,
    errorMessage: `${name} may only name catalog tables. Known tables: ${names.join(", ")}.`,
  };
}
