/** One learner session: a sandbox on a pty, its output held until a WebSocket attaches. */
import type { IPty } from 'node-pty';
import { exitStatus } from './sandbox.js';

/** Output produced before the browser attaches; beyond this the pty is paused, not truncated. */
export const PENDING_LIMIT_BYTES = 64 * 1024;

/** Where the session's output goes once a client is attached. */
export interface Sink {
  data(chunk: Buffer): void;
  exit(code: number): void;
}

/** Reasons to keep the pty paused; it runs only while there are none. */
export type Hold = 'unattached' | 'client';

export class Session {
  readonly exited: Promise<number>;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private sink: Sink | null = null;
  private exitCode: number | null = null;
  private readonly holds = new Set<Hold>();
  private killed = false;

  constructor(
    readonly id: string,
    readonly lesson: string,
    private readonly pty: IPty,
  ) {
    // With encoding: null node-pty emits Buffers, though its typings say string.
    pty.onData((chunk) => this.onData(chunk as unknown as Buffer));
    this.exited = new Promise((resolve) => {
      pty.onExit((e) => {
        this.exitCode = exitStatus(e);
        this.sink?.exit(this.exitCode);
        resolve(this.exitCode);
      });
    });
  }

  /** Host pid of the sandbox helper on the pty; the sandbox dies with it. */
  get pid(): number {
    return this.pty.pid;
  }

  get attached(): boolean {
    return this.sink !== null;
  }

  /** Sends everything held so far to `sink`, then streams to it (and reports exit to it). */
  attach(sink: Sink): void {
    if (this.sink) throw new Error(`session ${this.id} already has a client attached`);
    this.sink = sink;
    const held = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const chunk of held) sink.data(chunk);
    this.release('unattached');
    if (this.exitCode !== null) sink.exit(this.exitCode);
  }

  write(data: Buffer): void {
    if (this.exitCode === null && !this.killed) this.pty.write(data);
  }

  resize(cols: number, rows: number): void {
    if (this.exitCode === null && !this.killed) this.pty.resize(cols, rows);
  }

  hold(reason: Hold): void {
    if (this.holds.size === 0) this.pty.pause();
    this.holds.add(reason);
  }

  release(reason: Hold): void {
    if (!this.holds.delete(reason)) return;
    if (this.holds.size === 0) this.pty.resume();
  }

  /**
   * Kills the sandbox (output from then on is dropped); `exited` resolves once it is gone.
   * Safe to call more than once.
   */
  kill(): void {
    if (this.killed) return;
    this.killed = true;
    // The sink stays: an attached client still hears about the exit and gets closed.
    this.pending = [];
    if (this.exitCode !== null) return;
    this.pty.kill('SIGKILL');
    // Let the pty drain so node-pty sees it close and reports the exit.
    this.holds.clear();
    this.pty.resume();
  }

  private onData(chunk: Buffer): void {
    if (this.killed) return;
    if (this.sink) {
      this.sink.data(chunk);
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes > PENDING_LIMIT_BYTES) this.hold('unattached');
  }
}
