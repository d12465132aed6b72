/**
 * Links the lesson text to the terminal panel in the browser: <Step> buttons type commands
 * into whichever terminal is connected, and read its state to enable or disable themselves.
 * A module-level store because the two live in different parts of the page tree.
 */

export type TerminalState = 'connecting' | 'ready' | 'ended' | 'error';

type Typist = (input: string) => void;

let state: TerminalState = 'connecting';
let typist: Typist | null = null;
const listeners = new Set<() => void>();

export function getTerminalState(): TerminalState {
  return state;
}

/** The server never has a live terminal. */
export function getServerTerminalState(): TerminalState {
  return 'connecting';
}

export function subscribeTerminalState(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function setTerminalState(next: TerminalState): void {
  if (next === state) return;
  state = next;
  for (const l of listeners) l();
}

/** The terminal registers how to type into it; the returned function unregisters it. */
export function attachTypist(fn: Typist): () => void {
  typist = fn;
  return () => {
    if (typist === fn) typist = null;
  };
}

/** Types `command` and Enter into the terminal; false when no terminal is ready. */
export function runInTerminal(command: string): boolean {
  if (state !== 'ready' || !typist) return false;
  typist(`${command}\r`);
  return true;
}
