/**
 * A progress line for long work, on stderr so --json stdout stays clean. On a terminal it redraws in place;
 * otherwise it prints a line at most every `intervalMs`.
 */
import { formatDuration } from "../duration";
import type { ProgressSink } from "../progress-sink";

export interface ProgressOptions {
  readonly label: string;
  /** Total units, when known (enables % and ETA). @default - unknown */
  readonly total?: number;
  readonly unit?: string;
  /** @default process.stderr */
  readonly stream?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** @default false */
  readonly silent?: boolean;
  /** @default 1000 on a non-terminal, 100 on a terminal */
  readonly intervalMs?: number;
}

export class Progress implements ProgressSink {
  private done = 0;
  private readonly started = Date.now();
  private lastDraw = 0;
  private readonly tty: boolean;
  private readonly stream: NodeJS.WritableStream;
  private readonly intervalMs: number;
  private total: number | undefined;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = (this.stream as NodeJS.WriteStream).isTTY === true;
    this.intervalMs = opts.intervalMs ?? (this.tty ? 100 : 1000);
    this.total = opts.total;
  }

  setTotal(total: number): void {
    this.total = total;
  }

  add(n: number): void {
    this.done += n;
    this.maybeDraw();
  }

  set(n: number): void {
    this.done = n;
    this.maybeDraw();
  }

  /** Draws the final line. */
  finish(note = "done"): void {
    this.draw(note);
    if (this.tty && this.opts.silent !== true) this.stream.write("\n");
  }

  /** Text of the current line (exported for tests). */
  line(note?: string): string {
    const secs = Math.max((Date.now() - this.started) / 1000, 0.001);
    const rate = this.done / secs;
    const unit = this.opts.unit ?? "items";
    const parts = [`${this.opts.label}: ${this.done.toLocaleString("en-US")}`];
    if (this.total !== undefined && this.total > 0) {
      const pct = Math.min(100, (100 * this.done) / this.total);
      const width = 20;
      const filled = Math.round((pct / 100) * width);
      parts[0] = `${this.opts.label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${pct.toFixed(0)}% ${this.done.toLocaleString("en-US")}/${this.total.toLocaleString("en-US")}`;
      const remaining = rate > 0 ? (this.total - this.done) / rate : Infinity;
      parts.push(`ETA ${Number.isFinite(remaining) ? formatDuration(remaining) : "?"}`);
    }
    parts.push(`${Math.round(rate).toLocaleString("en-US")} ${unit}/s`);
    if (note !== undefined) parts.push(note);
    return parts.join("  ");
  }

  private maybeDraw(): void {
    const now = Date.now();
    if (now - this.lastDraw >= this.intervalMs) this.draw();
  }

  private draw(note?: string): void {
    this.lastDraw = Date.now();
    if (this.opts.silent === true) return;
    const text = this.line(note);
    this.stream.write(this.tty ? `\r\x1b[2K${text}` : `${text}\n`);
  }
}
