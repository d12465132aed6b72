/**
 * The real sandbox agent (sandbox-agent/src/main.ts) as its own process, on a free loopback
 * port, with a throwaway state directory so it never touches a running `npm start` agent's
 * secret or cgroups. The lab image and the tools come from the set-up's state directory.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const AGENT_DIR = fileURLToPath(new URL('../../sandbox-agent', import.meta.url));
const SETUP_STATE = process.env.BYHAND_STATE_DIR || '/var/lib/byhand';
const LOG_LINES = 40;

/** Says what is missing before the agent starts, instead of every session failing later. */
export function requireSandboxes(labImage) {
  if (process.getuid?.() !== 0) throw new Error('the lesson runner starts real sandboxes and needs root: run it as root');
  if (!existsSync(join(labImage, 'bin', 'bash'))) {
    throw new Error(`the lab image is missing (no ${labImage}/bin/bash): build it with \`npm run setup\` or set BYHAND_LAB_IMAGE`);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A child killed by a signal has a null exitCode: look at both. */
const running = (child) => child.exitCode === null && child.signalCode === null;
const howItEnded = (child) => (child.signalCode ? `was killed by ${child.signalCode}` : `exited with status ${child.exitCode}`);

async function waitHealthy(base, child, logs, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!running(child)) throw new Error(`the agent ${howItEnded(child)}:\n${logs.join('\n')}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the agent did not answer ${base}/healthz within ${timeoutMs / 1000} s:\n${logs.join('\n')}`);
}

/** Starts the agent serving checks from `lessonsDir`; resolves once /healthz answers. */
export async function startAgent(lessonsDir) {
  const labImage = process.env.BYHAND_LAB_IMAGE || join(SETUP_STATE, 'images', 'lab', 'rootfs');
  requireSandboxes(labImage);
  const state = mkdtempSync(join(tmpdir(), 'byhand-lessons-'));
  const port = await freePort();
  const secret = randomBytes(16).toString('hex');
  const env = {
    ...process.env,
    BYHAND_STATE_DIR: state,
    BYHAND_LAB_IMAGE: labImage,
    BYHAND_TOOLS_DIR: process.env.BYHAND_TOOLS_DIR || join(SETUP_STATE, 'tools'),
    BYHAND_AGENT_HOST: '127.0.0.1',
    BYHAND_AGENT_PORT: String(port),
    BYHAND_AGENT_SECRET: secret,
    BYHAND_LESSONS_DIR: lessonsDir,
    // One client makes a sandbox per lesson in quick succession.
    BYHAND_SESSION_RATE: '1000',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: AGENT_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = [];
  const keep = (chunk) => {
    logs.push(...chunk.toString('utf8').trimEnd().split('\n'));
    logs.splice(0, Math.max(0, logs.length - LOG_LINES));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (running(child)) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM'); // the agent ends its sandboxes and removes their cgroups on SIGTERM
      await exited;
    }
    rmSync(state, { recursive: true, force: true });
  };
  try {
    await waitHealthy(base, child, logs);
  } catch (err) {
    await stop();
    throw err;
  }
  return { base, wsBase: `ws://127.0.0.1:${port}`, secret, logs, stop, pid: child.pid };
}
