/**
 * The learner behind a request: a signed id in an HttpOnly cookie, made on first use (no
 * account). The site names it to the agent, which checks the same signature; see
 * packages/protocol/src/learner.ts.
 */
import { agentSecret } from '@byhand/protocol/config';
import { newLearnerId, signLearner, verifyLearner } from '@byhand/protocol/learner';

export const LEARNER_COOKIE = 'byhand_learner';
/** As long as the agent keeps a learner's progress (BYHAND_PROGRESS_DAYS' default). */
const COOKIE_MAX_AGE_S = 180 * 86_400;

export interface Learner {
  /** `<id>.<signature>`, for the agent's X-Byhand-Learner header. */
  signed: string;
  /** A Set-Cookie value when the browser had no valid cookie yet; null when its cookie stands. */
  setCookie: string | null;
}

function cookieValue(request: Request, name: string): string | null {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** Over HTTPS (directly or, as provisioned, behind Caddy) the cookie is sent over HTTPS only. */
function secureRequest(request: Request): boolean {
  const proto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
  return (proto ?? new URL(request.url).protocol.replace(':', '')) === 'https';
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
  const attributes = ['Path=/', `Max-Age=${COOKIE_MAX_AGE_S}`, 'HttpOnly', 'SameSite=Lax', ...(secureRequest(request) ? ['Secure'] : [])];
  return { signed, setCookie: `${LEARNER_COOKIE}=${signed}; ${attributes.join('; ')}` };
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
