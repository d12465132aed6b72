/** Starts a learner's sandbox on a pty through @byhand/runtime. */
import { spawn, type IPty } from 'node-pty';
import { sandboxInvocation, type UidRange } from '@byhand/runtime';

export const TERMINAL_COLS = 80;
export const TERMINAL_ROWS = 24;

/** The environment of the learner's login shell inside the sandbox. */
const SHELL_ENV: Record<string, string> = {
  TERM: 'xterm-256color',
  HOME: '/root',
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
};

/**
 * The helper's own environment on the host. Built from scratch rather than inherited so the
 * agent's secrets (BYHAND_AGENT_SECRET, ...) never reach a process a learner's sandbox starts from.
 */
const HELPER_ENV: Record<string, string> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
};

export interface SandboxOptions {
  /** Hostname inside the sandbox. */
  name: string;
  /** Root filesystem of the lab image (the overlay's read-only lower layer). */
  rootfs: string;
  ids: UidRange;
}

/** Spawns the sandbox; its output arrives as raw bytes (Buffers), never decoded. */
export function spawnSandbox(opts: SandboxOptions): IPty {
  const { file, args } = sandboxInvocation({
    name: opts.name,
    rootfs: opts.rootfs,
    ids: opts.ids,
    upperSize: '512m',
    command: ['/bin/bash', '-l'],
    env: SHELL_ENV,
  });
  return spawn(file, args, {
    name: SHELL_ENV.TERM,
    cols: TERMINAL_COLS,
    rows: TERMINAL_ROWS,
    cwd: '/',
    env: HELPER_ENV,
    // null: hand us Buffers, so multi-byte characters split across reads reach xterm.js intact.
    encoding: null,
  });
}

/** node-pty reports a death by signal as exitCode 0 plus the signal; shells report 128+N. */
export function exitStatus(e: { exitCode: number; signal?: number }): number {
  return e.signal ? 128 + e.signal : e.exitCode;
}
