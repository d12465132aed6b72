/** The agent's settings, all from the environment (see README / ARCHITECTURE.md). */
import { agentPort, agentSecret, stateDir } from '@byhand/protocol/config';
import { labImageDir } from '@byhand/runtime';
import { parseAllowedOrigins } from './origin.js';
import type { AgentConfig } from './server.js';
import { TOKEN_TTL_MS } from './sessions.js';

export const DEFAULT_MAX_SESSIONS = 50;

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of at least 1, got ${JSON.stringify(raw)}`);
  return n;
}

/** Throws an Error whose message names the bad variable and what it should be. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Omit<AgentConfig, 'log'> {
  return {
    host: env.BYHAND_AGENT_HOST || '0.0.0.0',
    port: agentPort(),
    secret: agentSecret(),
    // labImageDir honours BYHAND_LAB_IMAGE, which points tests at an image outside the state dir.
    rootfs: labImageDir(stateDir()),
    maxSessions: positiveInt('BYHAND_MAX_SESSIONS', env.BYHAND_MAX_SESSIONS, DEFAULT_MAX_SESSIONS),
    allowedOrigins: parseAllowedOrigins(env.BYHAND_ALLOWED_ORIGINS),
    tokenTtlMs: TOKEN_TTL_MS,
  };
}
