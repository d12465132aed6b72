/** Configuration shared by the agent and the web server (Node only, not for the browser). */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_AGENT_PORT } from './index.ts';

/** Where the agent, the runtime and the set-up keep their state (lab image, secret). */
export function stateDir(): string {
  return process.env.BYHAND_STATE_DIR || '/var/lib/byhand';
}

export function agentPort(): number {
  const raw = process.env.BYHAND_AGENT_PORT;
  if (!raw) return DEFAULT_AGENT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`BYHAND_AGENT_PORT must be a port number (1-65535), got ${JSON.stringify(raw)}`);
  }
  return port;
}

/**
 * The shared secret the web server uses to ask the agent for sessions: BYHAND_AGENT_SECRET,
 * or one generated once and kept (mode 0600) in the state directory.
 */
export function agentSecret(): string {
  if (process.env.BYHAND_AGENT_SECRET) return process.env.BYHAND_AGENT_SECRET;
  const file = join(stateDir(), 'agent-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(stateDir(), { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('hex');
  try {
    writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    // Another process (the agent or the site) created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw err;
  }
}
