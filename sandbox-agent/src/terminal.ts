/**
 * One shell on a pty, its screen, and the one client attached to it (if any). The shell keeps
 * running while no client is attached; a newer client replaces an older one.
 */
import type { IPty } from 'node-pty';
import { PtyInput } from './input.js';
import { Screen, type Snapshot } from './screen.js';

/** Output printed while nobody watches; beyond this the pty is paused, so a detached `yes` costs nothing. */
export const DETACHED_LIMIT_BYTES = 64 * 1024;
/** Output queued for the headless screen but not yet parsed; the pty pauses above it. */
export const SCREEN_HIGH_BYTES = 1024 * 1024;
export const SCREEN_LOW_BYTES = 256 * 1024;
/** A window being dragged sends a resize per frame; the screen follows ten times a second. */
export const RESIZE_INTERVAL_MS = 100;

/** Where a terminal's output goes once a client is attached. */
export interface Sink {
  /** The screen as it was (null when blank); live output follows. */
  start(snapshot: Snapshot | null): void;
  data(chunk: Buffer): void;
  exit(code: number): void;
  /** A newer client took this terminal over. */
  replaced(): void;
}

/** node-pty reports a death by signal as exitCode 0 plus the signal; shells report 128+N. */
export function exitStatus(e: { exitCode: number; signal?: number }): number {
  return e.signal ? 128 + e.signal : e.exitCode;
}

/** Reasons to keep the pty paused; it runs only while there are none. */
type Hold = 'detached' | 'client' | 'screen';

export class Terminal {
  readonly exited: Promise<number>;
  private readonly screen: Screen;
  private readonly input: PtyInput;
  private sink: Sink | null = null;
  /** A client waiting for its snapshot, and the output that arrived meanwhile. */
  private starting: { sink: Sink; backlog: Buffer[] } | null = null;
  private readonly holds = new Set<Hold>();
  private detachedBytes = 0;
  private unparsed = 0;
  private exitCode: number | null = null;
  /** The exit has been told to the client (or would have been): a later client hears it at once. */
  private exitReported = false;
  private killed = false;
  private wantedSize: { cols: number; rows: number } | null = null;
  private lastResize = 0;
  private resizeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pty: IPty,
    cols: number,
    rows: number,
  ) {
    this.screen = new Screen(cols, rows);
    // node-pty's UnixTerminal has the master's fd, though IPty's typings leave it out.
    this.input = new PtyInput((pty as unknown as { fd: number }).fd);
    // With encoding: null node-pty emits Buffers, though its typings say string.
    pty.onData((chunk) => this.onData(chunk as unknown as Buffer));
    this.exited = new Promise((resolve) => {
      pty.onExit((e) => {
        this.exitCode = exitStatus(e);
        this.input.close();
        // Let the screen finish so a client attaching later still sees the last words.
        this.screen.flush(() => {
          this.exitReported = true;
          this.sink?.exit(this.exitCode!);
          resolve(this.exitCode!);
        });
      });
    });
  }

  /** Host pid of the process on the pty. */
  get pid(): number {
    return this.pty.pid;
  }

  get attached(): boolean {
    return this.sink !== null || this.starting !== null;
  }

  get ended(): boolean {
    return this.exitCode !== null || this.killed;
  }

  /**
   * Attaches `sink`, replacing any client attached before: it gets the snapshot once the screen
   * has parsed everything printed so far, then live output (and the exit, if it comes).
   */
  attach(sink: Sink): void {
    const old = this.sink ?? this.starting?.sink;
    this.sink = null;
    this.starting = { sink, backlog: [] };
    this.release('client');
    old?.replaced();
    this.screen.flush(() => {
      if (this.starting?.sink !== sink) return;
      const { backlog } = this.starting;
      this.starting = null;
      this.sink = sink;
      sink.start(this.screen.snapshot());
      for (const chunk of backlog) sink.data(chunk);
      this.detachedBytes = 0;
      this.release('detached');
      if (this.exitReported) sink.exit(this.exitCode!);
    });
  }

  /** Detaches `sink` if it is still the attached client; the shell goes on. */
  detach(sink: Sink): void {
    if (this.starting?.sink === sink) this.starting = null;
    if (this.sink !== sink) return;
    this.sink = null;
    this.release('client');
  }

  /** Flow control from the attached client; calls from a replaced client are ignored. */
  pauseFor(sink: Sink): void {
    if (this.sink === sink) this.hold('client');
  }

  resumeFor(sink: Sink): void {
    if (this.sink === sink) this.release('client');
  }

  /** Input for the shell; false when it was refused because the shell has not read what came before. */
  write(data: Buffer): boolean {
    return this.ended || this.input.write(data);
  }

  /** Input the shell has not read yet. */
  get pendingInput(): number {
    return this.input.pending;
  }

  /**
   * Resizes the pty and the screen, at most once per RESIZE_INTERVAL_MS: the last size asked for
   * wins. Each resize reflows the scrollback, so a client sending them in a loop would otherwise
   * take the agent's time from every other learner.
   */
  resize(cols: number, rows: number): void {
    if (this.ended) return;
    this.wantedSize = { cols, rows };
    if (this.resizeTimer !== undefined) return;
    const wait = this.lastResize + RESIZE_INTERVAL_MS - Date.now();
    if (wait <= 0) return this.applySize();
    this.resizeTimer = setTimeout(() => {
      this.resizeTimer = undefined;
      this.applySize();
    }, wait);
  }

  private applySize(): void {
    const size = this.wantedSize;
    if (this.ended || !size) return;
    this.wantedSize = null;
    this.lastResize = Date.now();
    this.pty.resize(size.cols, size.rows);
    this.screen.resize(size.cols, size.rows);
  }

  /** Kills the pty's process (output from then on is dropped); safe to call more than once. */
  kill(): void {
    if (this.killed) return;
    this.killed = true;
    this.input.close();
    if (this.exitCode !== null) return;
    this.pty.kill('SIGKILL');
    // Let the pty drain so node-pty sees it close and reports the exit.
    this.holds.clear();
    this.pty.resume();
  }

  dispose(): void {
    clearTimeout(this.resizeTimer);
    this.screen.dispose();
  }

  private hold(reason: Hold): void {
    if (this.killed || this.holds.has(reason)) return;
    if (this.holds.size === 0) this.pty.pause();
    this.holds.add(reason);
  }

  private release(reason: Hold): void {
    if (!this.holds.delete(reason)) return;
    if (this.holds.size === 0 && !this.killed) this.pty.resume();
  }

  private onData(chunk: Buffer): void {
    if (this.killed) return;
    this.unparsed += chunk.length;
    if (this.unparsed > SCREEN_HIGH_BYTES) this.hold('screen');
    this.screen.write(chunk, () => {
      this.unparsed -= chunk.length;
      if (this.unparsed < SCREEN_LOW_BYTES) this.release('screen');
    });
    if (this.sink) return this.sink.data(chunk);
    if (this.starting) return void this.starting.backlog.push(chunk);
    this.detachedBytes += chunk.length;
    if (this.detachedBytes > DETACHED_LIMIT_BYTES) this.hold('detached');
  }
}
