/**
 * Inside a learner's sandbox, BYHAND_TRACE_SOCKET is where the agent listens for trace events
 * (see sandbox-agent/src/trace.ts): a stepped run reports each step there, so the lesson's
 * <Stepper> follows it. Best effort: without a listener the run still steps in the terminal.
 */
import { writeSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

/** Marks the events of `byhand run --step` among everything else on the trace socket. */
export const STEP_SOURCE = 'byhand-step';

const pause = new Int32Array(new SharedArrayBuffer(4));

/** The fd under a connected net.Socket (a unix socket or a child's stdio pipe). */
export function socketFd(socket: Socket): number | null {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}

/**
 * Writes all of data now, on the fd: a stepper blocks the event loop while it waits for a key,
 * and a stream write queued behind an earlier one would leave only after that wait. Gives up
 * (false) on an error, or when the reader takes nothing for 2 s (the agent reads a writer over
 * its rate only later: wait for it a while, never forever).
 */
export function writeNow(fd: number, data: Buffer): boolean {
  const giveUp = Date.now() + 2000;
  for (let off = 0; off < data.length; ) {
    try {
      off += writeSync(fd, data, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() > giveUp) return false;
      Atomics.wait(pause, 0, 0, 10);
    }
  }
  return true;
}

export class StepSocket {
  private constructor(private readonly socket: Socket, private readonly fd: number) {}

  static open(path: string): Promise<StepSocket | null> {
    return new Promise((resolve) => {
      const socket = connect(path);
      socket.on('error', () => resolve(null));
      socket.once('connect', () => {
        const fd = socketFd(socket);
        resolve(fd === null ? null : new StepSocket(socket, fd));
      });
    });
  }

  send(event: Record<string, unknown>): void {
    if (this.socket.destroyed) return;
    if (!writeNow(this.fd, Buffer.from(`${JSON.stringify({ source: STEP_SOURCE, ...event })}\n`))) this.socket.destroy();
  }

  close(): void {
    this.socket.end();
  }
}
