/** Runs the real `byhand` CLI (bin/byhand) against a state directory of its own. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBusyboxRootfs, requireRoot } from './helpers.js';

export const BYHAND = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'byhand');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Cli {
  stateDir: string;
  run(args: string[], opts?: { stdin?: string }): Promise<CliResult>;
  spawn(args: string[]): ChildProcess;
  cleanup(): Promise<void>;
}

/** A fresh state dir with the busybox image imported through `byhand import`. */
export async function makeCli(): Promise<Cli> {
  requireRoot();
  const stateDir = mkdtempSync(join(tmpdir(), 'byhand-state-'));
  // No bridge: these tests must not make byhand0 or NAT rules in the host's network namespace.
  const env = { ...process.env, BYHAND_STATE_DIR: stateDir, BYHAND_NETWORK: 'none' };
  const spawnCli = (args: string[]) => spawn(BYHAND, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const run = (args: string[], opts: { stdin?: string } = {}) => new Promise<CliResult>((resolve, reject) => {
    const child = spawnCli(args);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin!.end(opts.stdin ?? '');
  });
  const rootfs = makeBusyboxRootfs();
  const imported = await run(['import', rootfs, 'busybox']);
  rmSync(rootfs, { recursive: true, force: true });
  if (imported.code !== 0) throw new Error(`byhand import failed: ${imported.stderr}`);
  return {
    stateDir,
    run,
    spawn: spawnCli,
    async cleanup() {
      const ids = await run(['ps', '-aq']);
      const refs = ids.stdout.split('\n').filter(Boolean);
      if (refs.length) await run(['rm', '-f', ...refs]);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
