/**
 * Per-layer progress, as `docker pull` shows it: one line per layer. On a terminal each line is
 * rewritten in place; otherwise (a log, a pipe, a test) a plain line is printed whenever a
 * layer's state changes, never for every chunk.
 */
export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)}kB`;
  return `${(n / 1024 / 1024).toFixed(1)}MB`;
}

export class Progress {
  private readonly order: string[] = [];
  private readonly states = new Map<string, string>();

  constructor(private readonly out: ProgressSink) {}

  /** A new state for a line (a layer): "Downloading", "Verifying", "Pull complete", … */
  state(id: string, state: string, detail = ''): void {
    const known = this.states.has(id);
    const changed = this.states.get(id) !== state;
    this.states.set(id, state);
    if (!known) this.order.push(id);
    if (this.out.isTTY) this.render(id, known, `${state}${detail ? ` ${detail}` : ''}`);
    else if (changed) this.out.write(`${id}: ${state}${detail ? ` ${detail}` : ''}\n`);
  }

  /** Bytes so far: only a terminal shows them (rewritten in place). */
  bytes(id: string, done: number, total: number): void {
    if (this.out.isTTY) this.render(id, true, `${this.states.get(id) ?? 'Downloading'} ${formatBytes(done)}/${formatBytes(total)}`);
  }

  private render(id: string, known: boolean, text: string): void {
    if (!known) {
      this.out.write(`${id}: ${text}\n`);
      return;
    }
    const up = this.order.length - this.order.indexOf(id);
    // Up to the layer's line, clear it, write, and back down to below the last line.
    this.out.write(`\x1b[${up}A\r\x1b[2K${id}: ${text}\x1b[${up}B\r`);
  }

  /** A line that is not a layer's (the digest at the end, say). */
  note(text: string): void {
    this.out.write(`${text}\n`);
  }
}
