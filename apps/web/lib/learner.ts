/**
 * The learner behind a request: a signed id in an HttpOnly cookie, made on first use (no
 * account). The site names it to the agent, which checks the same signature; see
 * packages/protocol/src/learner.ts.
 */
import { agentSecret } from '@byhand/protocol/config';
import { newLearnerId, signLearner, verifyLearner } from '@byhand/protocol/learner';
import { cookieValue, setCookie } from './cookies';

export const LEARNER_COOKIE = 'byhand_learner';
/** As long as the agent keeps a learner's progress (BYHAND_PROGRESS_DAYS' default). */
const COOKIE_MAX_AGE_S = 180 * 86_400;

export interface Learner {
  /** `<id>.<signature>`, for the agent's X-Byhand-Learner header. */
  signed: string;
  /** A Set-Cookie value when the browser had no valid cookie yet; null when its cookie stands. */
  setCookie: string | null;
}

/**
 * The request's learner. A browser without the cookie, or with one this installation did not
 * sign (altered, or from another site's secret), becomes a new learner: nothing of anyone
 * else's can be reached with a forged cookie, and a real learner is never locked out.
 */
export function learnerOf(request: Request): Learner {
  const secret = agentSecret();
  const value = cookieValue(request, LEARNER_COOKIE);
  if (verifyLearner(value, secret).ok) return { signed: value!, setCookie: null };
  const signed = signLearner(newLearnerId(), secret);
  return { signed, setCookie: setCookie(request, LEARNER_COOKIE, signed, COOKIE_MAX_AGE_S) };
}

/**
 * The browser's address, for the agent's per-address flood guard: the last X-Forwarded-For
 * entry, the one the nearest proxy (Caddy, or Next itself when reached directly) wrote.
 */
export function clientAddressOf(request: Request): string | null {
  const forwarded = request.headers.get('x-forwarded-for');
  const last = forwarded?.split(',').pop()?.trim();
  return last ? last.slice(0, 100) : null;
}
