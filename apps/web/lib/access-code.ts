/**
 * The class access code (BYHAND_ACCESS_CODE on the agent). The learner types it once, in the
 * terminal panel; the site keeps it in an HttpOnly cookie and brings it to the agent with every
 * new sandbox. The agent alone judges it: the site never knows the right code.
 */
import { cookieValue, setCookie } from './cookies';

export const ACCESS_COOKIE = 'byhand_access';
export const MAX_ACCESS_CODE_LENGTH = 200;
/** A class's code is for the class's weeks, not for ever. */
const COOKIE_MAX_AGE_S = 30 * 86_400;

/** The code this browser entered earlier, if any. */
export function savedAccessCode(request: Request): string | null {
  const raw = cookieValue(request, ACCESS_COOKIE);
  if (!raw) return null;
  try {
    return decodeURIComponent(raw).slice(0, MAX_ACCESS_CODE_LENGTH);
  } catch {
    return null; // not one this site wrote
  }
}

export function accessCodeCookie(request: Request, code: string): string {
  return setCookie(request, ACCESS_COOKIE, encodeURIComponent(code), COOKIE_MAX_AGE_S);
}
