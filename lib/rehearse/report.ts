/**
 * The rehearsal's report: every step with its time and result, the RTO of each scenario (from the disaster to the
 * data checked), and what to fix when a step fails; rendered as markdown, or kept as JSON.
 */
/** A passed step's detail is shown in the progress line when it is this short. */
const SHORT_DETAIL = 100;

export type StepStatus = "pass" | "fail" | "skip";

export interface StepRecord {
  readonly name: string;
  /** The command as a user types it, when the step is one. */
  readonly command?: string;
  readonly status: StepStatus;
  readonly seconds: number;
  readonly detail: string;
  /** What to fix, when the step failed. */
  readonly fix?: string;
}

export interface ScenarioReport {
  readonly scenario: string;
  readonly status: StepStatus;
  /** Seconds from the disaster to the data checked (undefined when it did not get there). */
  readonly rtoSeconds?: number;
  readonly steps: readonly StepRecord[];
  readonly note?: string;
}

export interface RehearsalReport {
  readonly command: "rehearse";
  readonly target: "local" | "aws";
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly passed: boolean;
  readonly setup: readonly StepRecord[];
  readonly scenarios: readonly ScenarioReport[];
  readonly teardown: readonly StepRecord[];
}

export interface StepOptions {
  readonly command?: string;
  /** What to tell the user when the step fails. */
  readonly fix: string;
}

/** Thrown by a failed step: the scenario stops (later steps depend on it); teardown still runs. */
export class StepFailed extends Error {
  constructor(readonly step: string) {
    super(`step failed: ${step}`);
    this.name = "StepFailed";
  }
}

/** Runs steps in order and records each one. */
export class StepLog {
  readonly steps: StepRecord[] = [];

  constructor(
    /** Where progress lines go (also given to terraform for its echoed commands). */
    readonly sink: NodeJS.WritableStream,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Runs `fn`; its string result is the step's detail. A throw records the failure and throws StepFailed. */
  async step<T>(name: string, opts: StepOptions, fn: () => Promise<T>, detail?: (r: T) => string): Promise<T> {
    this.sink.write(`▶ ${name}${opts.command === undefined ? "" : `\n  $ ${opts.command}`}\n`);
    const t0 = this.clock();
    try {
      const r = await fn();
      const text = detail === undefined ? (typeof r === "string" ? r : "") : detail(r);
      this.record({ name, command: opts.command, status: "pass", seconds: this.since(t0), detail: text });
      return r;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.record({
        name,
        command: opts.command,
        status: "fail",
        seconds: this.since(t0),
        detail: message,
        fix: opts.fix,
      });
      throw new StepFailed(name);
    }
  }

  skip(name: string, detail: string): void {
    this.record({ name, status: "skip", seconds: 0, detail });
  }

  private since(t0: number): number {
    return Math.round((this.clock() - t0) / 100) / 10;
  }

  private record(s: StepRecord): void {
    this.steps.push(s);
    const mark = s.status === "pass" ? "✔" : s.status === "skip" ? "–" : "✘";
    const short = s.status === "pass" && s.detail !== "" && !s.detail.includes("\n") && s.detail.length <= SHORT_DETAIL;
    const tail = s.status === "fail" ? `: ${firstLine(s.detail)}` : short ? ` — ${s.detail}` : "";
    this.sink.write(`${mark} ${s.name} (${s.seconds} s)${tail}\n`);
  }
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? "";
}

const MARK: Record<StepStatus, string> = { pass: "PASS", fail: "**FAIL**", skip: "skipped" };

function stepRows(steps: readonly StepRecord[]): string[] {
  return [
    "| Step | Time | Result | Detail |",
    "|---|---:|---|---|",
    ...steps.map(
      (s) =>
        `| ${s.name}${s.command === undefined ? "" : `<br>\`${s.command.replace(/\|/g, "\\|")}\``} | ${s.seconds} s | ${MARK[s.status]} | ${oneCell(s.detail)} |`,
    ),
  ];
}

function oneCell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n+/g, "<br>").slice(0, 600);
}

function fixes(steps: readonly StepRecord[]): string[] {
  const failed = steps.filter((s) => s.status === "fail");
  if (failed.length === 0) return [];
  return ["", "What to fix:", "", ...failed.map((s) => `- **${s.name}**: ${s.fix ?? "see the detail above"}`)];
}

export function renderReport(r: RehearsalReport): string {
  const lines = [
    `# DR rehearsal (${r.target}): ${r.passed ? "PASSED" : "FAILED"}`,
    "",
    `Started ${r.startedAt}, finished ${r.finishedAt}.`,
    "",
    "| Scenario | Result | RTO (disaster → data checked) |",
    "|---|---|---:|",
    ...r.scenarios.map(
      (s) => `| ${s.scenario} | ${MARK[s.status]} | ${s.rtoSeconds === undefined ? "–" : `${s.rtoSeconds} s`} |`,
    ),
    "",
    "## Setup",
    "",
    ...stepRows(r.setup),
    ...fixes(r.setup),
  ];
  for (const s of r.scenarios) {
    lines.push(
      "",
      `## Scenario: ${s.scenario}`,
      "",
      ...(s.note === undefined ? [] : [s.note, ""]),
      ...stepRows(s.steps),
    );
    lines.push(...fixes(s.steps));
  }
  lines.push("", "## Teardown", "", ...stepRows(r.teardown), ...fixes(r.teardown), "");
  return lines.join("\n");
}
