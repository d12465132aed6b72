/**
 * The pages' Content-Security-Policy: scripts, styles and requests from this site only, the
 * terminal's WebSocket to the agent only, and no framing (a page that frames a lesson could
 * trick a learner into typing into their root shell).
 */
import { agentSocketBase } from './agent';

function agentOrigin(hostHeader: string | null): string | null {
  try {
    return new URL(agentSocketBase(hostHeader)).origin;
  } catch {
    return null; // a BYHAND_AGENT_PUBLIC_URL that is no URL: terminals cannot work anyway
  }
}

export function contentSecurityPolicy(hostHeader: string | null, dev = process.env.NODE_ENV !== 'production'): string {
  const agent = agentOrigin(hostHeader);
  return [
    "default-src 'self'",
    // Next's bootstrap is inline; its dev server also evaluates modules.
    `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ''}`,
    // React and xterm.js set style attributes.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${agent ? ` ${agent}` : ''}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
