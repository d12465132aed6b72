/** Shared helpers for the benchmarks: percentiles, a real agent on a free port, tables. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { LEARNER_HEADER, newLearnerId, signLearner } from '@byhand/protocol/learner';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface RunningAgent {
  base: string;
  wsBase: string;
  secret: string;
  /** A new learner, signed as the site signs one: each benchmark client is a fresh browser. */
  learner(): string;
  /** The headers the site sends the agent on `learner`'s behalf. */
  headers(learner: string): Record<string, string>;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The real agent, as `npm start` runs it, on a loopback port of its own. */
export async function startAgent(extraEnv: Record<string, string> = {}): Promise<RunningAgent> {
  const port = await freePort();
  const secret = 'bench-secret';
  const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox-agent/src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      BYHAND_AGENT_PORT: String(port),
      BYHAND_AGENT_HOST: '127.0.0.1',
      BYHAND_AGENT_SECRET: secret,
      BYHAND_MAX_SESSIONS: '1000',
      BYHAND_MAX_SESSIONS_PER_CLIENT: '1000',
      BYHAND_CLIENT_SESSION_RATE: '100000', // every benchmark client is 127.0.0.1
      // Sandboxes made ahead would blur every figure but the one that measures them (sandbox-ready.ts).
      BYHAND_POOL_SIZE: '0',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  // A benchmark that fails half-way must not leave its agent (and sandboxes) running.
  process.once('exit', () => child.kill('SIGTERM'));
  const deadline = Date.now() + 20_000;
  while (!/"event":"listening"| listening /.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the agent did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base: `http://127.0.0.1:${port}`,
    wsBase: `ws://127.0.0.1:${port}`,
    secret,
    learner: () => signLearner(newLearnerId(), secret),
    headers: (learner) => ({ Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json', [LEARNER_HEADER]: learner }),
    child,
    stop: () => new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

export function ms(v: number): string {
  return Number.isFinite(v) ? `${v.toFixed(1)} ms` : 'n/a';
}

/** A Markdown table, printed and returned so the runner can collect it for the README. */
export function table(title: string, header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const text = [`### ${title}`, '', line(header), line(header.map(() => '---')), ...rows.map(line), ''].join('\n');
  console.log(text);
  return text;
}
