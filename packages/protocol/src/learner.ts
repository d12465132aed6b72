/**
 * Learner ids: who a sandbox belongs to, with no account. The site keeps one per browser in an
 * HttpOnly cookie as `<id>.<signature>` and names it to the agent in LEARNER_HEADER; both check
 * the signature, an HMAC keyed by the agent secret, so a browser cannot pick another's id.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The header the site names the learner in when it calls the agent. */
export const LEARNER_HEADER = 'X-Byhand-Learner';

/** 16 random bytes, base64url: 22 characters. */
const ID = /^[A-Za-z0-9_-]{22}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;

function signatureOf(id: string, secret: string): string {
  // A label of its own, so the signature is never a value the secret signs for another purpose.
  return createHmac('sha256', secret).update(`byhand learner id:${id}`).digest('base64url');
}

export function newLearnerId(): string {
  return randomBytes(16).toString('base64url');
}

/** `<id>.<signature>`: what the cookie and the header carry. */
export function signLearner(id: string, secret: string): string {
  if (!ID.test(id)) throw new Error(`a learner id is 22 base64url characters, got ${JSON.stringify(id)}`);
  return `${id}.${signatureOf(id, secret)}`;
}

export type LearnerCheck = { ok: true; id: string } | { ok: false; reason: 'missing' | 'malformed' | 'forged' };

/** The learner id in a signed value, if the signature is this secret's (compared in constant time). */
export function verifyLearner(value: string | null | undefined, secret: string): LearnerCheck {
  if (!value) return { ok: false, reason: 'missing' };
  const [id, signature, ...rest] = value.split('.');
  if (rest.length || !id || !signature || !ID.test(id) || !SIGNATURE.test(signature)) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(signatureOf(id, secret));
  return timingSafeEqual(Buffer.from(signature), expected) ? { ok: true, id } : { ok: false, reason: 'forged' };
}
