/**
 * What the learner types, on its way into the pty. The kernel takes input only as fast as the
 * program in the sandbox reads it; a program that never reads (`sleep`) with a client that keeps
 * sending would otherwise grow the agent's memory without bound and, through node-pty's own
 * writer, spin on EAGAIN. So input waits here, up to INPUT_LIMIT_BYTES, and is retried on a timer
 * that backs off while the pty is full; beyond the limit it is refused and the caller says so.
 */
import { write } from 'node:fs';

/** Far above a paste of a long script; per terminal, so 50 sessions stay within a few MiB each. */
export const INPUT_LIMIT_BYTES = 256 * 1024;
const RETRY_FIRST_MS = 5;
const RETRY_MAX_MS = 200;
/** INTR, QUIT and SUSP in the sandbox's default termios. */
const SIGNAL_BYTES = new Set([0x03, 0x1c, 0x1a]);

export class PtyInput {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private writing = false;
  private retryMs = RETRY_FIRST_MS;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly fd: number,
    private readonly limit = INPUT_LIMIT_BYTES,
  ) {}

  /** Bytes accepted but not yet taken by the pty. */
  get pending(): number {
    return this.queued;
  }

  /**
   * Queues `data` for the pty; false (nothing queued) when that would pass the limit. An
   * interrupt (Ctrl+C, Ctrl+\, Ctrl+Z) always gets through: like the tty driver on a signal,
   * it discards the input still waiting, which the interrupted program would not have read.
   */
  write(data: Buffer): boolean {
    if (this.closed || data.length === 0) return true;
    if (this.queued + data.length > this.limit) {
      const signal = data.findIndex((b) => SIGNAL_BYTES.has(b));
      if (signal < 0) return false;
      this.discardWaiting();
      data = data.subarray(signal, signal + Math.max(1, Math.min(data.length - signal, this.limit - this.queued)));
    }
    this.queue.push(data);
    this.queued += data.length;
    this.pump();
    return true;
  }

  /** The pty is gone: drop what waits and stop retrying. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.queue.length = 0;
    this.queued = 0;
  }

  /** Drops all queued input but what a write in progress is sending. */
  private discardWaiting(): void {
    const inFlight = this.writing ? this.queue.slice(0, 1) : [];
    this.queue.length = 0;
    this.queue.push(...inFlight);
    this.queued = inFlight.reduce((n, b) => n + b.length, 0);
  }

  private pump(): void {
    if (this.writing || this.closed || this.timer !== undefined) return;
    const head = this.queue[0];
    if (!head) return;
    this.writing = true;
    write(this.fd, head, 0, head.length, null, (err, written) => {
      this.writing = false;
      if (this.closed) return;
      if (err) {
        if (err.code !== 'EAGAIN') return this.close(); // EIO: the shell and its pty have ended
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
        return;
      }
      this.retryMs = RETRY_FIRST_MS;
      this.queued -= written;
      if (written === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(written);
      this.pump();
    });
  }
}
