/**
 * A token bucket in items per second, for --read-rate and --write-rate. `take(n)` waits until n items may proceed;
 * a burst of up to one second's worth is allowed.
 */
import { sleep } from "./retry";

export class RateLimiter {
  private tokens: number;
  private last = Date.now();
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly perSecond: number) {
    if (!(perSecond > 0)) throw new Error(`rate must be > 0 items/s, got ${perSecond}`);
    this.tokens = perSecond;
  }

  /** Waits (in call order) until `n` items are allowed. */
  take(n: number): Promise<void> {
    const run = this.chain.then(async () => {
      this.refill();
      this.tokens -= n;
      if (this.tokens < 0) await sleep(Math.ceil((-this.tokens / this.perSecond) * 1000));
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private refill(): void {
    const now = Date.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
  }
}
