/** The agent's settings, all from the environment (see README / ARCHITECTURE.md). */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentPort, agentSecret, stateDir } from '@byhand/protocol/config';
import { labImageDir } from '@byhand/runtime';
import { cgroupPrefix, DEFAULT_LIMITS } from './limits.js';
import type { EgressSettings } from './egress.js';
import { parseAllowedOrigins } from './origin.js';
import { parseDnsSetting } from './resolver.js';
import { parseScratchMode } from './scratch.js';
import { sizeInBytes } from './sizes.js';
import type { AgentConfig } from './server.js';
import { PROGRESS_RETENTION_DAYS } from './progress.js';
import {
  DEFAULT_CLIENT_SESSION_RATE, DEFAULT_MAX_SESSIONS_PER_CLIENT, DEFAULT_MAX_SESSIONS_PER_LEARNER, DEFAULT_SESSION_RATE,
  IDLE_TIMEOUT_MS, LEAVE_GRACE_MS, MAX_LIFETIME_MS, TOKEN_TTL_MS,
} from './sessions.js';

export const DEFAULT_MAX_SESSIONS = 50;
export const DEFAULT_UPPER_SIZE = '512m';

/** The course's lessons in this repository, for the checks (BYHAND_LESSONS_DIR overrides). */
const REPO_LESSONS = fileURLToPath(new URL('../../content/lessons', import.meta.url));

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of at least 1, got ${JSON.stringify(raw)}`);
  return n;
}

function countSetting(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, 0 or more, got ${JSON.stringify(raw)}`);
  return n;
}

function poolSetting(raw: string | undefined, maxSessions: number): number | 'auto' {
  if (raw === undefined || raw === '') return 'auto';
  return Math.min(maxSessions, countSetting('BYHAND_POOL_SIZE', raw, 0));
}

function bytesSetting(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const bytes = sizeInBytes(raw);
  if (bytes === null) throw new Error(`${name} must be a size such as 512m or 2g, got ${JSON.stringify(raw)}`);
  return bytes;
}

function cpusSetting(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0.01) throw new Error(`${name} must be a number of CPUs such as 1 or 0.5, got ${JSON.stringify(raw)}`);
  return n;
}

function sizeSetting(name: string, raw: string | undefined, fallback: string): string {
  if (raw === undefined || raw === '') return fallback;
  if (sizeInBytes(raw) === null) throw new Error(`${name} must be a size such as 512m or 2g, got ${JSON.stringify(raw)}`);
  return raw;
}

/** BYHAND_EGRESS: whether sandboxes get a way out to the internet (see egress.ts). */
export function egressSettings(env: NodeJS.ProcessEnv): EgressSettings {
  const raw = env.BYHAND_EGRESS ?? '';
  if (!['', 'on', 'off'].includes(raw)) {
    throw new Error(`BYHAND_EGRESS must be "on" (sandboxes reach the internet, nothing else) or "off" (loopback only, the default), got ${JSON.stringify(raw)}`);
  }
  return { enabled: raw === 'on', nameservers: parseDnsSetting(env.BYHAND_EGRESS_DNS) };
}

/** Where each session's trace file and socket live while it runs. */
export function runDirOf(state: string): string {
  return join(state, 'sessions');
}

/** Where the agent keeps each learner's passed checks. */
export function progressDirOf(state: string): string {
  return join(state, 'learners');
}

/** Throws an Error whose message names the bad variable and what it should be. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Omit<AgentConfig, 'log'> {
  const maxSessions = positiveInt('BYHAND_MAX_SESSIONS', env.BYHAND_MAX_SESSIONS, DEFAULT_MAX_SESSIONS);
  return {
    host: env.BYHAND_AGENT_HOST || '0.0.0.0',
    port: agentPort(),
    secret: agentSecret(),
    // labImageDir honours BYHAND_LAB_IMAGE, which points tests at an image outside the state dir.
    rootfs: labImageDir(stateDir()),
    upperSize: sizeSetting('BYHAND_UPPER_SIZE', env.BYHAND_UPPER_SIZE, DEFAULT_UPPER_SIZE),
    maxSessions,
    maxSessionsPerLearner: positiveInt(
      'BYHAND_MAX_SESSIONS_PER_LEARNER', env.BYHAND_MAX_SESSIONS_PER_LEARNER, DEFAULT_MAX_SESSIONS_PER_LEARNER,
    ),
    maxSessionsPerClient: positiveInt(
      'BYHAND_MAX_SESSIONS_PER_CLIENT', env.BYHAND_MAX_SESSIONS_PER_CLIENT, DEFAULT_MAX_SESSIONS_PER_CLIENT,
    ),
    sessionRate: positiveInt('BYHAND_SESSION_RATE', env.BYHAND_SESSION_RATE, DEFAULT_SESSION_RATE),
    clientSessionRate: positiveInt('BYHAND_CLIENT_SESSION_RATE', env.BYHAND_CLIENT_SESSION_RATE, DEFAULT_CLIENT_SESSION_RATE),
    leaveGraceMs: 1000 * positiveInt('BYHAND_LEAVE_GRACE', env.BYHAND_LEAVE_GRACE, LEAVE_GRACE_MS / 1000),
    progressDir: progressDirOf(stateDir()),
    progressRetentionDays: positiveInt('BYHAND_PROGRESS_DAYS', env.BYHAND_PROGRESS_DAYS, PROGRESS_RETENTION_DAYS),
    accessCode: env.BYHAND_ACCESS_CODE || null,
    runDir: runDirOf(stateDir()),
    idleTimeoutMs: 1000 * positiveInt('BYHAND_IDLE_TIMEOUT', env.BYHAND_IDLE_TIMEOUT, IDLE_TIMEOUT_MS / 1000),
    maxLifetimeMs: 1000 * positiveInt('BYHAND_MAX_LIFETIME', env.BYHAND_MAX_LIFETIME, MAX_LIFETIME_MS / 1000),
    limits: {
      memory: bytesSetting('BYHAND_SESSION_MEMORY', env.BYHAND_SESSION_MEMORY, DEFAULT_LIMITS.memory),
      pids: positiveInt('BYHAND_SESSION_PIDS', env.BYHAND_SESSION_PIDS, DEFAULT_LIMITS.pids),
      cpus: cpusSetting('BYHAND_SESSION_CPUS', env.BYHAND_SESSION_CPUS, DEFAULT_LIMITS.cpus),
    },
    cgroupPrefix: cgroupPrefix(stateDir()),
    lessonsDir: env.BYHAND_LESSONS_DIR ? resolve(env.BYHAND_LESSONS_DIR) : REPO_LESSONS,
    allowedOrigins: parseAllowedOrigins(env.BYHAND_ALLOWED_ORIGINS),
    tokenTtlMs: TOKEN_TTL_MS,
    egress: egressSettings(env),
    scratch: parseScratchMode(env.BYHAND_SCRATCH),
    poolSize: poolSetting(env.BYHAND_POOL_SIZE, maxSessions),
  };
}
