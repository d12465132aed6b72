/**
 * WebSocket Origin check. Browsers send Origin on every WebSocket handshake, so without this
 * any web page could open a learner's terminal with a leaked token (cross-site WebSocket
 * hijacking). The site and the agent share a hostname but not a port, so any port is fine.
 */

function hostnameOf(url: string): string | null {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

/** Normalises "https://Example.com:443/" to "https://example.com" for comparison. */
export function normaliseOrigin(origin: string): string | null {
  try {
    return new URL(origin).origin;
  } catch {
    return null;
  }
}

export function parseAllowedOrigins(list: string | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const origin = normaliseOrigin(s);
      if (!origin || origin === 'null') {
        throw new Error(`BYHAND_ALLOWED_ORIGINS: ${JSON.stringify(s)} is not an origin like https://course.example.org`);
      }
      return origin;
    });
}

/** An absent Origin (not a browser) is allowed: the token still has to match. */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  const normalised = normaliseOrigin(origin);
  if (!normalised || normalised === 'null') return false;
  if (allowed.includes(normalised)) return true;
  const originHost = hostnameOf(normalised);
  return host !== undefined && originHost !== null && originHost === hostnameOf(`http://${host}`);
}
