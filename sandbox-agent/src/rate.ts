/** Token buckets: session creation per learner and per address, trace events per session. */

export class TokenBucket {
  private tokens: number;
  private last = performance.now();

  /** Holds at most `capacity` tokens and gains `perSecond` a second. */
  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
  ) {
    this.tokens = capacity;
  }

  /** Takes one token; false (and nothing taken) when there is none. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whole seconds until the next token, at least 1. */
  get secondsToNext(): number {
    this.refill();
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
  }

  get full(): boolean {
    this.refill();
    return this.tokens >= this.capacity;
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
  }
}

/** Too many requests from this client: answer 429 with Retry-After. */
export class RateLimitError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** Past this many clients tracked, buckets that have refilled completely are forgotten. */
const SWEEP_AT = 10_000;

/** `perMinute` session creations per key (a learner, an address), all of them at once at most. */
export class ClientRateLimit {
  private readonly buckets = new Map<string, TokenBucket>();

  /** `refusal` says, for the allowance and the wait in seconds, what was refused and what to do. */
  constructor(
    private readonly perMinute: number,
    private readonly refusal: (perMinute: number, waitSeconds: number) => string,
  ) {}

  /** Throws RateLimitError when `key` has used up its allowance. */
  take(key: string): void {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= SWEEP_AT) this.sweep();
      bucket = new TokenBucket(this.perMinute, this.perMinute / 60);
      this.buckets.set(key, bucket);
    }
    if (bucket.take()) return;
    const wait = bucket.secondsToNext;
    throw new RateLimitError(this.refusal(this.perMinute, wait), wait);
  }

  private sweep(): void {
    for (const [key, bucket] of this.buckets) if (bucket.full) this.buckets.delete(key);
  }
}
