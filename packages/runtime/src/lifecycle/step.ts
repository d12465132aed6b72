/**
 * `byhand run --step`: the container is made one step at a time. Before each step (the
 * TypeScript side's cgroup writes, then each of the helper's, announced on its trace) the
 * learner's StepController decides: run it, continue to the end, or abort. The helper waits on
 * --step-fd for a byte per step, and for one more once the execve line is shown; aborting closes
 * that fd and the helper ends on the spot.
 */
import type { Socket } from 'node:net';
import { narrate, type TraceEvent } from '../explain.js';
import type { Container, StateStore } from '../state.js';
import { whyOf } from '../step-why.js';
import { socketFd, StepSocket, writeNow } from './step-socket.js';

export type StepDecision = 'next' | 'continue' | 'abort';

export interface StepAnnouncement {
  /** 1 for the first step. */
  index: number;
  event: TraceEvent;
  /** What the step does, as the command or system call (the --explain line without a result). */
  text: string;
  why: string;
  /** Host pids to inspect from another terminal, once they exist. */
  pids: { helper?: number; container?: number };
}

/**
 * What the learner answers with. decide() is synchronous on purpose: the cgroup writes it sits
 * between are synchronous file writes, and the helper is blocked anyway while it waits.
 */
export interface StepController {
  /** Every step, also those run without asking after "continue". */
  show(step: StepAnnouncement): void;
  decide(step: StepAnnouncement): StepDecision;
  /** Each trace event a step produced (usually one: its result). */
  result(step: StepAnnouncement, event: TraceEvent): void;
  /** No more decisions will be asked for (continue, abort or the last step): release the terminal. */
  release(): void;
}

export class StepAborted extends Error {
  constructor(readonly step: number) {
    super(`aborted before step ${step}: everything made so far is removed`);
  }
}

export const STEP_FD = 4;
/** The exit code of an aborted run, as for Ctrl-C. */
export const ABORTED = 130;
const GO = Buffer.from('n');

export class StepSession {
  private index = 0;
  private current: StepAnnouncement | null = null;
  private continuing = false;
  /** Set between a step's go-ahead and its first trace event, which is its result. */
  private awaitingResult = false;
  private released = false;
  private pipe: Socket | null = null;
  readonly pids: { helper?: number; container?: number } = {};
  abortedAt: number | null = null;

  constructor(private readonly controller: StepController, private readonly socket: StepSocket | null) {}

  /** Opens the trace socket (BYHAND_TRACE_SOCKET) so steps reach a browser's <Stepper> too. */
  static async start(controller: StepController, socketPath = process.env.BYHAND_TRACE_SOCKET): Promise<StepSession> {
    return new StepSession(controller, socketPath ? await StepSocket.open(socketPath) : null);
  }

  /** Asks about one step; throws StepAborted when the learner aborts. */
  gate(event: TraceEvent): void {
    const step = this.announce(event);
    this.controller.show(step);
    const decision = this.continuing ? 'next' : this.controller.decide(step);
    this.awaitingResult = decision !== 'abort';
    if (decision === 'continue') this.continuing = true;
    if (decision !== 'next' || event.step === 'execve') this.release();
    if (decision === 'abort') {
      this.abortedAt = step.index;
      this.socket?.send({ phase: 'aborted', index: step.index });
      throw new StepAborted(step.index);
    }
  }

  /** The trace callback of a stepped run: explains (when asked) and answers the helper. */
  tracer(explain: ((e: TraceEvent) => void) | undefined): (e: TraceEvent) => void {
    return (e) => {
      if (e.phase !== 'next') explain?.(e);
      this.onHelperEvent(e);
    };
  }

  /** The helper's side: its announcements and the step pipe to answer on. */
  attach(helperPid: number | undefined, pipe: Socket): void {
    this.pids.helper = helperPid;
    this.pipe = pipe;
  }

  /** One event of the helper's trace: an announcement to answer, or a step's result. */
  onHelperEvent(event: TraceEvent): void {
    if (event.phase !== 'next') {
      this.onResult(event);
      // The helper waits until the execve line is shown: the command's own output comes after it.
      if (event.step === 'execve') this.answer();
      return;
    }
    try {
      this.gate(event);
      this.answer();
    } catch (err) {
      if (!(err instanceof StepAborted)) throw err;
      this.pipe?.destroy();
    }
  }

  onResult(event: TraceEvent): void {
    if (event.step === 'clone' && typeof event.result === 'string') {
      const pid = Number(/pid (\d+)/.exec(event.result)?.[1]);
      if (pid) this.pids.container = pid;
    }
    if (!this.current || !this.awaitingResult) return;
    this.awaitingResult = false;
    this.controller.result(this.current, event);
    this.socket?.send({ phase: 'done', index: this.current.index, result: event.result ?? 'ok', step: event.step });
  }

  /**
   * The run is over (the command exited, or the set-up failed or was aborted). An aborted
   * container is removed, as if it had never been made; returns the exit code (130 then).
   */
  finish(store: StateStore, c: Container, exitCode: number, onError: (message: string) => void): number {
    this.release();
    this.pipe?.end();
    const aborted = this.abortedAt !== null;
    this.socket?.send({ phase: 'end', aborted, code: exitCode });
    this.socket?.close();
    if (!aborted) return exitCode;
    store.remove(c);
    onError(new StepAborted(this.abortedAt!).message);
    return ABORTED;
  }

  /** One byte to the helper: go on. A helper that is gone cannot take it; launch() sees it exit. */
  private answer(): void {
    const fd = this.pipe ? socketFd(this.pipe) : null;
    if (fd !== null) writeNow(fd, GO);
  }

  private announce(event: TraceEvent): StepAnnouncement {
    const text = narrate(event);
    this.current = { index: ++this.index, event, text, why: whyOf(event, text), pids: { ...this.pids } };
    this.socket?.send({ phase: 'next', index: this.index, step: event.step, text, why: this.current.why, pids: this.current.pids });
    return this.current;
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.controller.release();
  }
}
