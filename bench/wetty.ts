/**
 * wetty (from npm) as the reference web terminal: installed once into the state directory,
 * started on a loopback port, serving the same shell; driven with its own socket.io client.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { freePort } from './lib.ts';
import type { Term } from './terminal.ts';

const WETTY_VERSION = '3.2.0';
const dir = join(process.env.BYHAND_STATE_DIR || '/var/lib/byhand', 'bench', `wetty-${WETTY_VERSION}`);

function ensureWetty(): void {
  if (existsSync(join(dir, 'node_modules', 'wetty', 'build', 'main.js'))) return;
  mkdirSync(dir, { recursive: true });
  console.error(`[bench] installing wetty ${WETTY_VERSION} into ${dir} (once) ...`);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', dir, `wetty@${WETTY_VERSION}`], { stdio: 'inherit' });
}

interface SocketLike {
  emit(event: string, ...args: unknown[]): void;
  on(event: string, cb: (...args: never[]) => void): void;
  once(event: string, cb: (...args: never[]) => void): void;
  close(): void;
}

export interface Wetty {
  term(): Promise<Term>;
  pid: number;
  stop(): void;
}

export async function startWetty(): Promise<Wetty> {
  ensureWetty();
  const port = await freePort();
  const child = spawn(process.execPath, [join(dir, 'node_modules', 'wetty', 'build', 'main.js'),
    '--host', '127.0.0.1', '--port', String(port), '--command', 'bash', '--base', '/wetty'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PS1: '# ' },
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 20_000;
  while (!(await fetch(`http://127.0.0.1:${port}/wetty`).then((r) => r.ok, () => false))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`wetty did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const io = createRequire(join(dir, 'node_modules', 'wetty', 'package.json'))('socket.io-client') as
    { io(url: string, opts: object): SocketLike };
  return {
    pid: child.pid!,
    stop: () => child.kill('SIGTERM'),
    term: async () => {
      const socket = io.io(`http://127.0.0.1:${port}`, { path: '/wetty/socket.io', transports: ['websocket'] });
      await new Promise<void>((resolve) => socket.once('login', () => resolve()));
      socket.emit('resize', { cols: 120, rows: 40 });
      const listeners: ((text: string, bytes: number) => void)[] = [];
      socket.on('data', (data: string) => {
        const bytes = Buffer.byteLength(data);
        // wetty's client commits what it has rendered; do the same right away.
        socket.emit('commit', data.length);
        for (const cb of listeners) cb(data, bytes);
      });
      return {
        write: (d) => socket.emit('input', d),
        onData: (cb) => listeners.push(cb),
        close: () => socket.close(),
      };
    },
  };
}
