/**
 * Every piece of network plumbing is an `ip`, `nft` or `sysctl` command, run here and reported
 * as a trace event, so `byhand --explain` prints exactly what a learner would type by hand.
 */
import { execFile } from 'node:child_process';
import type { TraceEvent } from '../explain.js';

export interface CommandOptions {
  /** Run every command inside this named network namespace (`ip netns exec NAME ...`): tests
   * and nested set-ups use it so the host's own network is never touched. */
  netns?: string;
  onTrace?: (event: TraceEvent) => void;
}

export class CommandError extends Error {
  constructor(readonly command: string, readonly stderr: string, readonly code: number | null) {
    super(`\`${command}\` failed (exit ${code}): ${stderr.trim() || 'no message'}`);
  }
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(argv: string[]): string {
  return argv.map(quote).join(' ');
}

/** Runs argv (prefixed for the netns when one is set); resolves with stdout, traces it. */
export function run(argv: string[], opts: CommandOptions): Promise<string> {
  const full = opts.netns ? ['ip', 'netns', 'exec', opts.netns, ...argv] : argv;
  const command = commandLine(full);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(full[0]!, full.slice(1), { encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const ms = performance.now() - started;
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      opts.onTrace?.({ step: 'network', command, result: err ? `exit ${code}: ${stderr.trim()}` : 'ok', ms });
      if (err) reject(new CommandError(command, stderr || err.message, code));
      else resolve(stdout);
    });
  });
}

/** Like run(), but a failure is only traced: for clean-ups whose target may already be gone. */
export async function tryRun(argv: string[], opts: CommandOptions): Promise<boolean> {
  try {
    await run(argv, opts);
    return true;
  } catch {
    return false;
  }
}
