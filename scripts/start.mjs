#!/usr/bin/env node
/**
 * Starts the sandbox agent and the site together (after `node scripts/setup.mjs`), with each
 * line of their logs prefixed, and stops both on Ctrl-C.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { supervise } from './lib/supervise.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const WEB_PORT = 3000; // apps/web's "start" script runs `next start -p 3000`
const agentPort = Number(process.env.BYHAND_AGENT_PORT || 3001);
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };

const code = await supervise(
  [
    { name: 'agent', command: 'npm', args: ['run', 'start', '-w', '@byhand/sandbox-agent'], port: agentPort, cwd: root, env },
    { name: 'web', command: 'npm', args: ['run', 'start', '-w', '@byhand/web'], port: WEB_PORT, cwd: root, env },
  ],
  { url: `http://localhost:${WEB_PORT}` },
);
process.exit(code);
