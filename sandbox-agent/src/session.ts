/** One learner session: a sandbox, its main shell (terminal 1) and a second shell (terminal 2). */
import { readFileSync } from 'node:fs';
import type { TerminalId } from '@byhand/protocol';
import type { Terminal } from './terminal.js';
import type { SessionTrace } from './trace.js';

/** Starts a second shell inside the sandbox whose pid 1 has host pid `initPid`, in its cgroup. */
export type ShellOpener = (initPid: number, cgroupProcs: string[]) => Terminal;

/** The sandbox helper's process name, until the command it starts replaces it. */
const HELPER_COMM = 'byhand-init';
/** How long a check or terminal 2 waits for a sandbox that is still being built. */
const READY_TIMEOUT_MS = 10_000;

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return []; // it has exited
  }
}

function commOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Whose a sandbox is, from when it is handed out: only this learner may attach to it, list it or end it. */
export interface Owner {
  lesson: string;
  learner: string;
  /** The browser's address, for the per-address flood guard. */
  client: string;
}

export class Session {
  /** Resolves with the main shell's exit status: the sandbox is gone then. */
  readonly exited: Promise<number>;
  private second: Terminal | null = null;
  private killed = false;
  /** Its owner, and when they got it (epoch ms). */
  private owner: (Owner & { since: number }) | null = null;

  constructor(
    readonly id: string,
    /** The sandbox's hostname, random on its own: seeing it on a screen tells nothing of the id. */
    readonly hostname: string,
    private readonly main: Terminal,
    private readonly openShell: ShellOpener,
    /** The session cgroup's cgroup.procs files: terminal 2 and checks run there too. */
    readonly cgroupProcs: string[],
    readonly trace: SessionTrace,
  ) {
    this.exited = main.exited.then((code) => {
      this.kill();
      return code;
    });
  }

  /**
   * Hands the sandbox to its learner. Once only: a sandbox made ahead (pool.ts) belongs to no
   * one until then, and never passes from one learner to another.
   */
  assign(owner: Owner): void {
    if (this.owner) throw new Error(`session ${this.id} already belongs to a learner`);
    this.owner = { ...owner, since: Date.now() };
  }

  get assigned(): boolean {
    return this.owner !== null;
  }

  private get ownedBy(): Owner & { since: number } {
    if (!this.owner) throw new Error(`session ${this.id} belongs to no learner yet`);
    return this.owner;
  }

  get lesson(): string {
    return this.ownedBy.lesson;
  }

  get learner(): string {
    return this.ownedBy.learner;
  }

  get client(): string {
    return this.ownedBy.client;
  }

  /** When its learner got it (epoch ms). */
  get createdAt(): number {
    return this.ownedBy.since;
  }

  /** Host pid of the sandbox helper on the main pty; the sandbox dies with it. */
  get pid(): number {
    return this.main.pid;
  }

  /**
   * Host pid of the sandbox's pid 1 (the helper's only child) once the sandbox is built, which
   * is when pid 1's child has become the shell; null before (or after it ended). Joining its
   * namespaces earlier would find them half made: the host's hostname, no root filesystem.
   */
  readyInitPid(): number | null {
    const [init] = childrenOf(this.pid);
    if (init === undefined) return null;
    return childrenOf(init).some((pid) => commOf(pid) !== HELPER_COMM) ? init : null;
  }

  /** Waits (up to `timeoutMs`) for the sandbox to be built; null if it is not by then. */
  async initPid(timeoutMs = READY_TIMEOUT_MS): Promise<number | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pid = this.readyInitPid();
      if (pid !== null || this.killed || Date.now() > deadline) return pid;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  get attached(): boolean {
    return this.main.attached || (this.second?.attached ?? false);
  }

  /** Terminal 2 starts on first use and again after its shell exits. Throws when it cannot start. */
  async terminal(which: TerminalId): Promise<Terminal> {
    if (which === '1') return this.main;
    if (this.killed) throw new Error(`session ${this.id} has ended`);
    const init = await this.initPid();
    if (init === null) throw new Error(`the sandbox of session ${this.id} is not running`);
    // Checked again after the wait: two attaches at once must not start two shells.
    if (!this.second || this.second.ended) {
      this.second?.dispose();
      this.second = this.openShell(init, this.cgroupProcs);
    }
    return this.second;
  }

  /** Kills every shell and so the sandbox; safe to call more than once. */
  kill(): void {
    if (this.killed) return;
    this.killed = true;
    this.second?.kill();
    this.main.kill();
    void this.main.exited.then(() => this.main.dispose());
    const second = this.second;
    if (second) void second.exited.then(() => second.dispose());
  }
}
