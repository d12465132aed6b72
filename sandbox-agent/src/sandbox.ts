/** Starts a learner's sandbox on a pty through @byhand/runtime. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, type IPty } from 'node-pty';
import { stateDir } from '@byhand/protocol/config';
import {
  execInvocation, joinTarget, sandboxInvocation, toolsDir, TOOLS_DIR_INSIDE, type Invocation, type UidRange, type Volume,
} from '@byhand/runtime';
import { Terminal } from './terminal.js';
import { TRACE_DIR_INSIDE, TRACE_SOCKET_INSIDE } from './trace.js';

export const TERMINAL_COLS = 80;
export const TERMINAL_ROWS = 24;
/** Where a session's scratch disk appears inside its sandbox (see scratch.ts). */
export const SCRATCH_INSIDE = '/scratch';

/** The environment of the learner's login shell inside the sandbox. */
const SHELL_ENV: Record<string, string> = {
  TERM: 'xterm-256color',
  HOME: '/root',
  PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${TOOLS_DIR_INSIDE}/bin`,
  LANG: 'C.UTF-8',
  // Where `byhand` run inside reports its steps, so they reach the learner's trace panel.
  BYHAND_TRACE_SOCKET: TRACE_SOCKET_INSIDE,
};

/**
 * The agent keeps out of the OOM killer's way (oom.ts); everything in a sandbox goes first, so a
 * class using up the machine's memory loses a sandbox, never the agent that serves them all.
 */
export const SANDBOX_OOM_SCORE_ADJ = 500;

/**
 * The helper's own environment on the host. Built from scratch rather than inherited so the
 * agent's secrets (BYHAND_AGENT_SECRET, ...) never reach a process a learner's sandbox starts from.
 */
export const HELPER_ENV: Record<string, string> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
};

export interface SandboxOptions {
  /** Hostname inside the sandbox. */
  name: string;
  /** Root filesystem of the lab image (the overlay's read-only lower layer). */
  rootfs: string;
  ids: UidRange;
  /** Size of the tmpfs under the writable layer: the most a learner can write to disk. */
  upperSize: string;
  /** cgroup.procs files the helper puts the sandbox in before anything runs in it. */
  cgroupProcs: string[];
  /** The file the helper writes its start steps to. */
  tracePath: string;
  /** Host directory holding the trace socket, mounted read-only at /run/byhand. */
  traceSocketDir: string;
  /** Host mount of the session's scratch disk, mounted read-write at /scratch; absent: none. */
  scratchDir?: string | null;
}

/**
 * The set-up's tools (the byhand CLI, node, busybox), read-only at /opt/byhand. `byhand` is also
 * mounted into /usr/local/bin because a login shell's /etc/profile resets PATH. Without the tools
 * (set-up not run, e.g. a test's throwaway state dir) the sandbox starts without them.
 */
function toolVolumes(): Volume[] {
  const dir = toolsDir(stateDir());
  if (!existsSync(join(dir, 'bin', 'byhand'))) return [];
  return [
    { source: dir, target: TOOLS_DIR_INSIDE, readonly: true },
    { source: join(dir, 'bin', 'byhand'), target: '/usr/local/bin/byhand', readonly: true },
  ];
}

/** Spawns the sandbox; its output arrives as raw bytes (Buffers), never decoded. */
export function spawnSandbox(opts: SandboxOptions): IPty {
  return spawnOnPty(sandboxInvocation({
    name: opts.name,
    rootfs: opts.rootfs,
    ids: opts.ids,
    upperSize: opts.upperSize,
    command: ['/bin/bash', '-l'],
    env: SHELL_ENV,
    cgroupProcs: opts.cgroupProcs,
    tracePath: opts.tracePath,
    oomScoreAdj: SANDBOX_OOM_SCORE_ADJ,
    volumes: [
      { source: opts.traceSocketDir, target: TRACE_DIR_INSIDE, readonly: true },
      ...toolVolumes(),
      ...(opts.scratchDir ? [{ source: opts.scratchDir, target: SCRATCH_INSIDE, readonly: false }] : []),
    ],
  }));
}

/**
 * The helper's exec mode: `command` inside the sandbox whose pid 1 is `initPid`, in its cgroup
 * (`cgroupProcs`: the session's), or on cgroup v2 in the part of it where pid 1 is now, since the
 * learner may have moved pid 1 down and made the session's own cgroup an inner node (lesson 05).
 */
export function execIn(initPid: number, cgroupProcs: string[], command: string[]): Invocation {
  return execInvocation({
    target: initPid, command, env: SHELL_ENV, cgroupProcs: joinTarget(cgroupProcs, initPid), oomScoreAdj: SANDBOX_OOM_SCORE_ADJ,
  });
}

/** Terminal 2: a login shell joined to the sandbox whose pid 1 is `initPid`. */
export function openSecondShell(initPid: number, cgroupProcs: string[]): Terminal {
  const pty = spawnOnPty(execIn(initPid, cgroupProcs, ['/bin/bash', '-l']));
  return new Terminal(pty, TERMINAL_COLS, TERMINAL_ROWS);
}

function spawnOnPty({ file, args }: Invocation): IPty {
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
