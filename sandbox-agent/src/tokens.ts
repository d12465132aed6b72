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
