/**
 * TEST SCAFFOLDING: a small interpreter for the subset of Amazon States Language the pipeline's state machines use
 * (Pass, Task with lambda:invoke, Choice, Wait, Map, Succeed, Fail; Parameters/ItemSelector/ResultSelector/ResultPath;
 * Catch; the context object; JSONPath with simple filters). moto cannot run Lambda functions, so the tests run the
 * real definitions with the real handlers called in-process against moto, to prove the data flows between steps
 * (paths, result shapes, the failure path) — not AWS's scheduling or retries.
 */

export interface RunOptions {
  /** Calls a function in-process: `lambda:invoke` with FunctionName and Payload. */
  readonly invoke: (functionArn: string, payload: unknown) => Promise<unknown>;
  readonly input: unknown;
  /** @default "test-execution" */
  readonly executionName?: string;
  /** Called for Wait states (tests usually return at once). */
  readonly onWait?: (seconds: number) => Promise<void>;
  /** Safety stop for loops. @default 10000 */
  readonly maxTransitions?: number;
}

export interface RunResult {
  readonly status: "SUCCEEDED" | "FAILED";
  /** The final output, or for a failed execution the input of the Fail state that ended it. */
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** Names of the states entered, in order (Map iterations included). */
  readonly history: string[];
}

type Json = unknown;
type StateDef = Record<string, unknown>;
interface Machine {
  readonly StartAt: string;
  readonly States: Record<string, StateDef>;
}
interface Context {
  readonly Execution: { Id: string; Name: string; StartTime: string; Input: Json };
  Map?: { Item: { Index: number; Value: Json } };
}

class StatesError extends Error {
  constructor(
    readonly error: string,
    readonly causeText: string,
    /** The state's input when a Fail state ended the execution (for diagnosis). */
    readonly data?: Json,
  ) {
    super(`${error}: ${causeText}`);
  }
}

// ---- JSONPath subset -------------------------------------------------------------------------------------------

const MISSING = Symbol("missing");

function tokenize(path: string): string[] {
  const body = path.replace(/^\$\$?/, "");
  const tokens: string[] = [];
  const re = /\.([A-Za-z0-9_-]+)|\[(\d+)\]|\[\?\(@\.([A-Za-z0-9_]+) == '([^']*)'\)\]/g;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(body)) !== null) {
    if (m.index !== pos) throw new Error(`unsupported JSONPath ${path}`);
    pos = re.lastIndex;
    if (m[1] !== undefined) tokens.push(`.${m[1]}`);
    else if (m[2] !== undefined) tokens.push(`[${m[2]}]`);
    else tokens.push(`?${m[3]}=${m[4]}`);
  }
  if (pos !== body.length) throw new Error(`unsupported JSONPath ${path}`);
  return tokens;
}

function select(path: string, input: Json, ctx: Context): Json | typeof MISSING {
  let values: Json[] = [path.startsWith("$$") ? ctx : input];
  let multi = false;
  for (const t of tokenize(path)) {
    const next: Json[] = [];
    for (const v of values) {
      if (t.startsWith(".")) {
        if (v !== null && typeof v === "object" && t.slice(1) in (v as object)) {
          next.push((v as Record<string, Json>)[t.slice(1)]);
        }
      } else if (t.startsWith("[")) {
        const i = Number(t.slice(1, -1));
        if (Array.isArray(v) && i < v.length) next.push(v[i]);
      } else {
        const [field, value] = t.slice(1).split("=") as [string, string];
        multi = true;
        if (Array.isArray(v)) {
          for (const el of v) if ((el as Record<string, Json>)[field] === value) next.push(el);
        }
      }
    }
    values = next;
  }
  if (multi) return values;
  return values.length === 0 ? MISSING : values[0];
}

function mustSelect(path: string, input: Json, ctx: Context): Json {
  const v = select(path, input, ctx);
  if (v === MISSING) throw new StatesError("States.Runtime", `path ${path} does not exist in ${JSON.stringify(input)}`);
  return v;
}

function evalTemplate(tpl: Json, input: Json, ctx: Context): Json {
  if (Array.isArray(tpl)) return tpl.map((t) => evalTemplate(t, input, ctx));
  if (tpl === null || typeof tpl !== "object") return tpl;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(tpl as Record<string, Json>)) {
    if (k.endsWith(".$")) out[k.slice(0, -2)] = mustSelect(v as string, input, ctx);
    else out[k] = evalTemplate(v, input, ctx);
  }
  return out;
}

function applyResultPath(input: Json, resultPath: string | null | undefined, result: Json): Json {
  if (resultPath === null) return input;
  if (resultPath === undefined || resultPath === "$") return result;
  const keys = tokenize(resultPath).map((t) => {
    if (!t.startsWith(".")) throw new Error(`unsupported ResultPath ${resultPath}`);
    return t.slice(1);
  });
  const copy = structuredClone(input ?? {}) as Record<string, Json>;
  let at = copy;
  keys.slice(0, -1).forEach((k) => {
    if (at[k] === null || typeof at[k] !== "object") at[k] = {};
    at = at[k] as Record<string, Json>;
  });
  at[keys[keys.length - 1] as string] = result;
  return copy;
}

// ---- Interpreter -----------------------------------------------------------------------------------------------

async function runMachine(
  machine: Machine,
  input: Json,
  ctx: Context,
  opts: RunOptions,
  history: string[],
): Promise<Json> {
  let name = machine.StartAt;
  let data = input;
  for (let n = 0; ; n++) {
    if (n > (opts.maxTransitions ?? 10_000)) throw new Error("too many transitions (a loop that never ends?)");
    const state = machine.States[name];
    if (state === undefined) throw new Error(`no state ${name}`);
    history.push(name);
    const type = state.Type as string;
    let next: string | undefined = state.Next as string | undefined;
    try {
      switch (type) {
        case "Pass": {
          const result =
            state.Parameters !== undefined ? evalTemplate(state.Parameters, data, ctx) : (state.Result ?? data);
          data = applyResultPath(data, state.ResultPath as string | null | undefined, structuredClone(result));
          break;
        }
        case "Task": {
          if (state.Resource !== "arn:aws:states:::lambda:invoke")
            throw new Error(`unsupported Resource ${String(state.Resource)}`);
          const params = evalTemplate(state.Parameters, data, ctx) as { FunctionName: string; Payload: Json };
          let payload: Json;
          try {
            payload = await opts.invoke(params.FunctionName, structuredClone(params.Payload));
          } catch (err) {
            const e = err as Error;
            throw new StatesError(e.name, JSON.stringify({ errorType: e.name, errorMessage: e.message }));
          }
          let result: Json = { Payload: JSON.parse(JSON.stringify(payload ?? null)) as Json, StatusCode: 200 };
          if (state.ResultSelector !== undefined) result = evalTemplate(state.ResultSelector, result, ctx);
          data = applyResultPath(data, state.ResultPath as string | null | undefined, result);
          break;
        }
        case "Choice": {
          next = state.Default as string | undefined;
          for (const rule of state.Choices as Record<string, Json>[]) {
            const v = select(rule.Variable as string, data, ctx);
            const hit =
              ("IsPresent" in rule && (v !== MISSING) === rule.IsPresent) ||
              ("StringEquals" in rule && v === rule.StringEquals) ||
              ("BooleanEquals" in rule && v === rule.BooleanEquals);
            if (hit) {
              next = rule.Next as string;
              break;
            }
          }
          if (next === undefined) throw new StatesError("States.NoChoiceMatched", `no choice matched in ${name}`);
          break;
        }
        case "Wait":
          await (opts.onWait ?? (async () => undefined))(state.Seconds as number);
          break;
        case "Map": {
          const items = mustSelect(state.ItemsPath as string, data, ctx);
          if (!Array.isArray(items)) throw new StatesError("States.Runtime", `${name}: ItemsPath is not an array`);
          const processor = state.ItemProcessor as Machine;
          const results: Json[] = [];
          for (let i = 0; i < items.length; i++) {
            const itemCtx: Context = { ...ctx, Map: { Item: { Index: i, Value: items[i] } } };
            const itemInput =
              state.ItemSelector !== undefined ? evalTemplate(state.ItemSelector, data, itemCtx) : items[i];
            results.push(await runMachine(processor, itemInput, itemCtx, opts, history));
          }
          data = applyResultPath(data, state.ResultPath as string | null | undefined, results);
          break;
        }
        case "Succeed":
          return data;
        case "Fail":
          throw new StatesError(state.Error as string, state.Cause as string, data);
        default:
          throw new Error(`unsupported state type ${type}`);
      }
    } catch (err) {
      if (!(err instanceof StatesError)) throw err;
      const handler = ((state.Catch as Record<string, Json>[] | undefined) ?? []).find((c) =>
        (c.ErrorEquals as string[]).some((e) => e === "States.ALL" || e === err.error),
      );
      if (handler === undefined || type === "Fail") throw err;
      data = applyResultPath(data, handler.ResultPath as string | null | undefined, {
        Error: err.error,
        Cause: err.causeText,
      });
      next = handler.Next as string;
    }
    if (state.End === true) return data;
    if (next === undefined) throw new Error(`state ${name} has neither Next nor End`);
    name = next;
  }
}

/** Runs a whole state machine definition. */
export async function runStateMachine(definition: Record<string, unknown>, opts: RunOptions): Promise<RunResult> {
  const history: string[] = [];
  const executionName = opts.executionName ?? "test-execution";
  const ctx: Context = {
    Execution: {
      Id: `arn:aws:states:us-east-1:123456789012:execution:test:${executionName}`,
      Name: executionName,
      StartTime: new Date().toISOString(),
      Input: opts.input,
    },
  };
  try {
    const output = await runMachine(definition as unknown as Machine, opts.input, ctx, opts, history);
    return { status: "SUCCEEDED", output, history };
  } catch (err) {
    if (err instanceof StatesError) {
      return { status: "FAILED", error: err.error, cause: err.causeText, output: err.data, history };
    }
    throw err;
  }
}
