/**
 * The agent's one config file, BYHAND_CONFIG (default $BYHAND_STATE_DIR/agent.json): a JSON
 * object with the same keys as the environment, e.g. {"BYHAND_MAX_SESSIONS": 40}. A variable
 * set in the environment wins over the file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every setting the file may hold (BYHAND_STATE_DIR locates the file, so it cannot be in it). */
export const FILE_SETTINGS = [
  'BYHAND_AGENT_PORT', 'BYHAND_AGENT_HOST', 'BYHAND_AGENT_SECRET', 'BYHAND_LAB_IMAGE', 'BYHAND_LESSONS_DIR',
  'BYHAND_MAX_SESSIONS', 'BYHAND_MAX_SESSIONS_PER_CLIENT', 'BYHAND_MAX_SESSIONS_PER_LEARNER',
  'BYHAND_SESSION_RATE', 'BYHAND_CLIENT_SESSION_RATE', 'BYHAND_LEAVE_GRACE', 'BYHAND_PROGRESS_DAYS', 'BYHAND_ACCESS_CODE',
  'BYHAND_IDLE_TIMEOUT', 'BYHAND_MAX_LIFETIME', 'BYHAND_UPPER_SIZE', 'BYHAND_SESSION_MEMORY',
  'BYHAND_SESSION_PIDS', 'BYHAND_SESSION_CPUS', 'BYHAND_ALLOWED_ORIGINS', 'BYHAND_EGRESS', 'BYHAND_EGRESS_DNS',
] as const;

export function configFilePath(env: NodeJS.ProcessEnv): string {
  return env.BYHAND_CONFIG || join(env.BYHAND_STATE_DIR || '/var/lib/byhand', 'agent.json');
}

function readSettings(path: string, required: boolean): Record<string, unknown> | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read the config file ${path} (BYHAND_CONFIG): ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`the config file ${path} is not valid JSON (${(err as Error).message}); fix it or remove it`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`the config file ${path} must hold one JSON object such as {"BYHAND_MAX_SESSIONS": 40}`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Copies the file's settings into `env` where `env` has none, and returns `env`. Throws naming
 * the file and the bad key or value; a missing file is fine unless BYHAND_CONFIG names it.
 */
export function applyConfigFile(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const path = configFilePath(env);
  const settings = readSettings(path, Boolean(env.BYHAND_CONFIG));
  if (settings === null) return env;
  for (const [key, value] of Object.entries(settings)) {
    if (!(FILE_SETTINGS as readonly string[]).includes(key)) {
      throw new Error(`the config file ${path} has an unknown setting ${JSON.stringify(key)}; known: ${FILE_SETTINGS.join(', ')}`);
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new Error(`${key} in the config file ${path} must be a string or a number, got ${JSON.stringify(value)}`);
    }
    if (env[key] === undefined || env[key] === '') env[key] = String(value);
  }
  return env;
}
