/**
 * A headless xterm per terminal: it parses everything the shell prints, so a reconnecting
 * browser gets the screen as it is (a snapshot) instead of the whole history.
 */
import headless from '@xterm/headless';
import serialize from '@xterm/addon-serialize';
import type { AgentMessage } from '@byhand/protocol';

/** Lines kept above the screen; caps the agent's memory per terminal whatever is printed. */
export const SCROLLBACK_LINES = 1000;

export type Snapshot = Extract<AgentMessage, { type: 'snapshot' }>;

export class Screen {
  private readonly term: headless.Terminal;
  private readonly serializer = new serialize.SerializeAddon();
  /** Whether anything was ever printed: a blank screen needs no snapshot. */
  private printed = false;

  constructor(cols: number, rows: number) {
    this.term = new headless.Terminal({ cols, rows, scrollback: SCROLLBACK_LINES, allowProposedApi: true });
    // The addon is typed against the browser xterm; the headless terminal has the same addon API.
    this.term.loadAddon(this.serializer as unknown as headless.ITerminalAddon);
  }

  /** Queues `chunk` for parsing; `parsed` runs once the screen reflects it. */
  write(chunk: Uint8Array, parsed: () => void): void {
    if (chunk.length > 0) this.printed = true;
    this.term.write(chunk, parsed);
  }

  /** Runs `then` once everything written so far is parsed (writes are parsed in order). */
  flush(then: () => void): void {
    this.term.write('', then);
  }

  resize(cols: number, rows: number): void {
    this.term.resize(cols, rows);
  }

  /** The screen and its scrollback as escape sequences; null when nothing was printed. */
  snapshot(): Snapshot | null {
    if (!this.printed) return null;
    return { type: 'snapshot', data: this.serializer.serialize(), cols: this.term.cols, rows: this.term.rows };
  }

  dispose(): void {
    this.term.dispose();
  }
}
