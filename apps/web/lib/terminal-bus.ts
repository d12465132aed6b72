/**
 * Links the lesson text to the terminal panel in the browser: <Step> buttons type commands into
 * a terminal, <Check> asks the sandbox to run a check, <Trace> shows runtime events. A
 * module-level store because the text and the terminals live in different parts of the page tree.
 */

export type TerminalState = 'connecting' | 'ready' | 'reconnecting' | 'ended' | 'error';

/** Terminal "1" is the session's main shell; "2", … are more shells in the same sandbox. */
export const MAIN_TERMINAL = '1';

export interface CheckResult {
  id: string;
  ok: boolean;
  message: string;
}

export type TraceEvent = Record<string, unknown>;

type Typist = (input: string) => void;
type Checker = (id: string) => void;

const states = new Map<string, TerminalState>();
const typists = new Map<string, Typist>();
/** Commands waiting for a terminal tab that is still starting. */
const pending = new Map<string, string>();
let checker: Checker | null = null;
const stateListeners = new Set<() => void>();
const checkListeners = new Set<(result: CheckResult) => void>();
const traceListeners = new Set<() => void>();
const selectListeners = new Set<(terminal: string) => void>();
let traces: TraceEvent[] = [];
const NO_TRACES: TraceEvent[] = [];
/** The timeline keeps the latest events only; a busy session emits thousands. */
const MAX_TRACES = 500;

export function getTerminalState(terminal: string = MAIN_TERMINAL): TerminalState {
  return states.get(terminal) ?? 'connecting';
}

/** The server never has a live terminal. */
export function getServerTerminalState(): TerminalState {
  return 'connecting';
}

export function subscribeTerminalState(listener: () => void): () => void {
  stateListeners.add(listener);
  return () => stateListeners.delete(listener);
}

export function setTerminalState(terminal: string, next: TerminalState): void {
  if (states.get(terminal) === next) return;
  states.set(terminal, next);
  for (const l of stateListeners) l();
  const command = pending.get(terminal);
  if (next === 'ready' && command !== undefined && runInTerminal(command, terminal)) pending.delete(terminal);
}

/** A terminal registers how to type into it; the returned function unregisters it. */
export function attachTypist(terminal: string, fn: Typist): () => void {
  typists.set(terminal, fn);
  return () => {
    if (typists.get(terminal) === fn) typists.delete(terminal);
  };
}

/**
 * Types `command` and Enter into a terminal and brings its tab forward. A second terminal that
 * has not started yet gets the command once it is ready. False when it cannot be typed.
 */
export function runInTerminal(command: string, terminal: string = MAIN_TERMINAL): boolean {
  const typist = typists.get(terminal);
  if (getTerminalState(terminal) !== 'ready' || !typist) {
    if (terminal === MAIN_TERMINAL) return false;
    pending.set(terminal, command);
    selectTerminal(terminal);
    return true;
  }
  selectTerminal(terminal);
  typist(`${command}\r`);
  return true;
}

export function selectTerminal(terminal: string): void {
  for (const l of selectListeners) l(terminal);
}

export function onSelectTerminal(listener: (terminal: string) => void): () => void {
  selectListeners.add(listener);
  return () => selectListeners.delete(listener);
}

/** The main terminal's connection registers how to send a check request. */
export function attachChecker(fn: Checker): () => void {
  checker = fn;
  return () => {
    if (checker === fn) checker = null;
  };
}

/** Asks the sandbox to run check `id`; false when no terminal is connected to ask through. */
export function requestCheck(id: string): boolean {
  if (getTerminalState(MAIN_TERMINAL) !== 'ready' || !checker) return false;
  checker(id);
  return true;
}

export function publishCheckResult(result: CheckResult): void {
  for (const l of checkListeners) l(result);
}

export function onCheckResult(listener: (result: CheckResult) => void): () => void {
  checkListeners.add(listener);
  return () => checkListeners.delete(listener);
}

export function publishTrace(event: TraceEvent): void {
  traces = [...traces.slice(-(MAX_TRACES - 1)), event];
  for (const l of traceListeners) l();
}

/** A new sandbox starts a new timeline. */
export function clearTraces(): void {
  traces = [];
  for (const l of traceListeners) l();
}

export function getTraces(): TraceEvent[] {
  return traces;
}

export function getServerTraces(): TraceEvent[] {
  return NO_TRACES;
}

export function subscribeTraces(listener: () => void): () => void {
  traceListeners.add(listener);
  return () => traceListeners.delete(listener);
}
