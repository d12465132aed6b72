/**
 * Ack-based flow control, as VS Code's terminal does it: count bytes sent but not yet
 * acknowledged by the client (which acks what xterm.js has rendered); pause the pty above a
 * high-water mark and resume only once the client has caught up below a low-water mark.
 * The gap between the two marks stops the pty flapping between paused and running.
 */
export const HIGH_WATER_BYTES = 100_000;
export const LOW_WATER_BYTES = 5_000;

export interface Pausable {
  pause(): void;
  resume(): void;
}

export class FlowControl {
  private unacked = 0;
  private paused = false;

  constructor(
    private readonly target: Pausable,
    private readonly high = HIGH_WATER_BYTES,
    private readonly low = LOW_WATER_BYTES,
  ) {}

  sent(bytes: number): void {
    this.unacked += bytes;
    if (!this.paused && this.unacked > this.high) {
      this.paused = true;
      this.target.pause();
    }
  }

  /** `bytes` is how many more bytes the client has processed since its last ack. */
  acked(bytes: number): void {
    // A client that acks more than it was sent must not build up credit for later floods.
    this.unacked = Math.max(0, this.unacked - bytes);
    if (this.paused && this.unacked < this.low) {
      this.paused = false;
      this.target.resume();
    }
  }
}
