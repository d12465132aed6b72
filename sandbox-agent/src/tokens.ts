/** Secrets compared in constant time, so response timing does not reveal how much matched. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Hashing first makes both sides the same length, so the length does not leak either. */
export function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function matchesDigest(candidate: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(candidate), expected);
}

/** Unused tokens kept per session; issuing another drops the oldest. */
export const MAX_OUTSTANDING_TOKENS = 4;

/** A session's single-use attach tokens, each valid for `ttlMs`; only their digests are kept. */
export class SessionTokens {
  private tokens: { digest: Buffer; expires: number }[] = [];

  constructor(private readonly ttlMs: number) {}

  issue(now = Date.now()): string {
    const token = newToken();
    this.tokens = [...this.live(now), { digest: digest(token), expires: now + this.ttlMs }].slice(-MAX_OUTSTANDING_TOKENS);
    return token;
  }

  /** True (and the token is used up) when `candidate` is one of the live tokens. */
  redeem(candidate: string, now = Date.now()): boolean {
    this.tokens = this.live(now);
    // Compare against every token, so the time taken does not tell which one matched.
    const hits = this.tokens.map((t) => matchesDigest(candidate, t.digest));
    const index = hits.indexOf(true);
    if (index < 0) return false;
    this.tokens.splice(index, 1);
    return true;
  }

  private live(now: number) {
    return this.tokens.filter((t) => t.expires > now);
  }
}
