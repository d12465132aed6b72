/** Test helpers: a tiny busybox root filesystem and a way to run commands in a real sandbox. */
import { spawn, type StdioOptions } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxInvocation, UidRangeAllocator, type SandboxSpec } from '../src/index.js';
import { initHelperPath } from '../src/paths.js';

/** Root is needed to map a uid range and make an idmapped mount; fail loudly without it. */
export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('these runtime tests need root (they create namespaces and mounts): run them as root');
  }
}

const BUSYBOX = '/bin/busybox';

/** A rootfs of busybox applets, made fresh in a temp dir and owned by host root. */
export function makeBusyboxRootfs(): string {
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: install Debian's busybox-static (npm run setup does)`);
  const root = mkdtempSync(join(tmpdir(), 'byhand-rootfs-'));
  chmodSync(root, 0o755);
  for (const dir of ['bin', 'proc', 'sys', 'dev', 'tmp', 'run', 'etc', 'root']) mkdirSync(join(root, dir));
  cpSync(BUSYBOX, join(root, 'bin', 'busybox'));
  for (const applet of ['sh', 'id', 'hostname', 'cat', 'ls', 'echo', 'mount', 'umount', 'unshare', 'mkdir',
    'dd', 'ps', 'sleep', 'stat', 'touch', 'rm', 'head', 'grep', 'readlink', 'true', 'wc']) {
    symlinkSync('busybox', join(root, 'bin', applet));
  }
  return root;
}

export function listDir(path: string): string[] {
  return readdirSync(path).sort();
}

const allocator = new UidRangeAllocator({ first: 300_000_000 });

export function spec(rootfs: string, overrides: Partial<SandboxSpec> = {}): SandboxSpec {
  return {
    name: 'test-sandbox',
    rootfs,
    ids: allocator.allocate(),
    upperSize: '16m',
    command: ['/bin/sh', '-c', 'true'],
    env: { PATH: '/bin' },
    ...overrides,
  };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a shell script as the sandbox's command and collects its output. */
export function runInSandbox(rootfs: string, script: string, overrides: Partial<SandboxSpec> = {},
  stdio: StdioOptions = 'pipe'): Promise<RunResult> {
  const inv = sandboxInvocation(spec(rootfs, { command: ['/bin/sh', '-c', script], ...overrides }));
  return new Promise((resolve, reject) => {
    const child = spawn(inv.file, inv.args, { stdio });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface HelperResult extends RunResult {
  /** The JSON lines written to --trace-fd, when asked for. */
  trace: Record<string, unknown>[];
}

export interface HelperOptions {
  /** Passes fd 3 as --trace-fd and collects what the helper writes there. */
  trace?: boolean;
  stdio?: StdioOptions;
}

/** Runs the native helper with exactly these arguments (no TypeScript planning in between). */
export function runHelper(args: string[], opts: HelperOptions = {}): Promise<HelperResult> {
  const file = initHelperPath();
  const stdio: StdioOptions = opts.stdio ?? (opts.trace ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe']);
  const argv = opts.trace ? ['--trace-fd', '3', ...args] : args;
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio });
    let stdout = '';
    let stderr = '';
    let trace = '';
    child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    (child.stdio[3] as NodeJS.ReadableStream | null | undefined)?.on('data', (d: Buffer) => { trace += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({
      code, stdout, stderr,
      trace: trace.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>),
    }));
  });
}

/** The helper's options for a container from `rootfs` with its own uid range and a tmpfs upper layer. */
export function containerArgs(rootfs: string, extra: string[] = []): string[] {
  const ids = allocator.allocate();
  return ['--rootfs', rootfs, '--uid-base', String(ids.base), '--uid-count', String(ids.count),
    '--upper-size', '16m', '--env', 'PATH=/bin', ...extra];
}

/** Runs `sh -c script` in a container made from `rootfs` with these extra helper options. */
export function runScript(rootfs: string, script: string, extra: string[] = [], opts: HelperOptions = {}): Promise<HelperResult> {
  return runHelper([...containerArgs(rootfs, extra), '--', '/bin/sh', '-c', script], opts);
}

/** Polls until cond() holds or ms pass. */
export function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  return new Promise((resolve) => {
    const tick = () => (cond() ? resolve(true) : Date.now() > end ? resolve(false) : setTimeout(tick, 20));
    tick();
  });
}
