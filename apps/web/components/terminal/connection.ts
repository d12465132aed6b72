/**
 * One terminal's connection in the browser: bridges the agent's WebSocket and an xterm.js
 * terminal with the wire protocol (ARCHITECTURE.md): binary frames are terminal bytes both ways,
 * text frames are JSON. A dropped connection is retried with backoff and resumes the same shell;
 * the agent's snapshot redraws the screen.
 */
import { MAX_TERMINAL_COLS, MAX_TERMINAL_ROWS, type AgentMessage, type ClientMessage, type LearnerSession } from '@byhand/protocol';
import type { Terminal } from '@xterm/xterm';
import {
  MAIN_TERMINAL,
  attachChecker,
  attachTypist,
  clearTraces,
  publishCheckResult,
  publishTrace,
  type TerminalState,
} from '../../lib/terminal-bus';
import { SessionRefused, terminalSocketUrl, type SessionClient } from './session-client';

export interface ConnectionCallbacks {
  /** The state changed; `message` is what the status bar should say. */
  onStatus(state: TerminalState, message: string): void;
  /** Something to tell the learner while the session goes on; null clears it. */
  onNotice(message: string | null): void;
  onSessionId(id: string): void;
  /** The learner is at their cap with every sandbox in use: these are theirs, to end one. */
  onLimit(sessions: LearnerSession[]): void;
  /** The class has an access code and this browser has not given the right one yet. */
  onAccessCode(): void;
}

/** Close code the agent uses when a newer connection took this terminal over. */
export const CLOSE_REPLACED = 4000;
/** Waits between reconnect attempts, in ms; the last repeats until MAX_ATTEMPTS. */
const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];
const MAX_ATTEMPTS = 10;

/** Connects `term` to terminal `terminal` of the lesson's session; the returned function ends it. */
export function connectTerminal(term: Terminal, client: SessionClient, terminal: string, cb: ConnectionCallbacks): () => void {
  const abort = new AbortController();
  let close: (() => void) | null = null;
  let sessionId: string | null = null;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const attempt = async () => {
    cb.onStatus(sessionId ? 'reconnecting' : 'connecting', sessionId ? 'Reconnecting to your sandbox…' : 'Starting your sandbox…');
    try {
      const session = await client.attach(abort.signal);
      if (abort.signal.aborted) return;
      if (sessionId && session.id !== sessionId) {
        term.reset();
        cb.onNotice('Your previous sandbox had ended; this is a fresh one.');
      }
      if (!session.resumed && terminal === MAIN_TERMINAL) clearTraces();
      sessionId = session.id;
      cb.onSessionId(session.id);
      close = open(term, terminalSocketUrl(session.wsUrl, terminal), terminal, cb, {
        opened: () => {
          failures = 0;
        },
        lost: (reason) => retry(reason),
        exited: () => client.forget(session.id),
      });
    } catch (err) {
      if (abort.signal.aborted) return;
      // Trying again cannot help until the learner or their class frees a sandbox: say so at once.
      if (err instanceof SessionRefused && err.code !== null) {
        if (err.code === 'learner-limit') cb.onLimit(err.sessions);
        if (err.code === 'access-code') cb.onAccessCode();
        cb.onStatus('error', err.message);
        return;
      }
      retry((err as Error).message);
    }
  };

  const retry = (reason: string) => {
    close = null;
    failures++;
    if (failures >= MAX_ATTEMPTS || (!sessionId && failures >= 3)) {
      cb.onStatus('error', reason);
      return;
    }
    cb.onStatus(sessionId ? 'reconnecting' : 'connecting', `${reason} Trying again…`);
    const wait = BACKOFF_MS[Math.min(failures - 1, BACKOFF_MS.length - 1)]!;
    timer = setTimeout(() => void attempt(), wait * (0.75 + Math.random() / 2));
  };

  void attempt();
  return () => {
    abort.abort();
    clearTimeout(timer);
    close?.();
  };
}

interface Lifecycle {
  opened(): void;
  lost(reason: string): void;
  exited(): void;
}

/** Opens one WebSocket; the returned function closes it without reporting a loss. */
function open(term: Terminal, url: string, terminal: string, cb: ConnectionCallbacks, life: Lifecycle): () => void {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const encoder = new TextEncoder();
  let opened = false;
  let over = false;

  const send = (msg: ClientMessage | Uint8Array) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(msg instanceof Uint8Array ? msg : JSON.stringify(msg));
  };
  // The agent refuses sizes beyond the protocol's limits; a huge panel still gets a usable pty.
  const sendSize = () =>
    send({ type: 'resize', cols: Math.min(term.cols, MAX_TERMINAL_COLS), rows: Math.min(term.rows, MAX_TERMINAL_ROWS) });

  const cleanups = [
    term.onData((data) => send(encoder.encode(data))),
    // Some mouse reports are raw bytes, one per character code, not UTF-8 text.
    term.onBinary((data) => send(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff))),
    term.onResize(sendSize),
  ].map((d) => () => d.dispose());
  cleanups.push(
    attachTypist(terminal, (input) => {
      send(encoder.encode(input));
      // The learner clicked a Run button; let them carry on typing in the terminal.
      term.focus();
    }),
  );
  if (terminal === MAIN_TERMINAL) cleanups.push(attachChecker((id) => send({ type: 'check', id })));
  const finish = () => {
    over = true;
    for (const c of cleanups.splice(0)) c();
  };

  ws.onopen = () => {
    opened = true;
    sendSize();
  };
  ws.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
    if (typeof event.data !== 'string') {
      const chunk = new Uint8Array(event.data);
      // Flow control: acknowledge only what xterm.js has actually processed.
      term.write(chunk, () => send({ type: 'ack', bytes: chunk.byteLength }));
      return;
    }
    const msg = parseAgentMessage(event.data);
    if (msg) handle(msg);
  };
  const handle = (msg: AgentMessage) => {
    switch (msg.type) {
      case 'snapshot':
        // The screen as the agent's headless terminal has it: replaces whatever we showed.
        term.reset();
        term.write(msg.data);
        break;
      case 'ready':
        life.opened();
        cb.onNotice(null);
        cb.onStatus('ready', 'Connected: a root shell in your own sandbox');
        term.focus();
        break;
      case 'exit':
        finish();
        life.exited();
        cb.onStatus('ended', `Shell ended, exit code ${msg.code}`);
        break;
      case 'error':
        cb.onNotice(msg.message);
        break;
      case 'check':
        publishCheckResult({ id: msg.id, ok: msg.ok, message: msg.message });
        break;
      case 'trace':
        publishTrace(msg.event);
        break;
    }
  };
  ws.onclose = (event) => {
    if (over) return;
    finish();
    if (event.code === CLOSE_REPLACED) {
      cb.onStatus('ended', 'This terminal is open in another tab or window. Reconnect to use it here.');
      return;
    }
    life.lost(
      opened
        ? `The connection to your sandbox dropped (code ${event.code}).`
        : `Could not open the terminal connection to ${new URL(url).host}. Is the sandbox agent running and reachable from your browser?`,
    );
  };
  return () => {
    finish();
    ws.close(1000, 'page closed');
  };
}

function parseAgentMessage(text: string): AgentMessage | null {
  try {
    const msg = JSON.parse(text) as AgentMessage;
    return typeof msg === 'object' && msg !== null && typeof msg.type === 'string' ? msg : null;
  } catch {
    console.warn('Ignoring a text frame from the agent that is not JSON:', text.slice(0, 200));
    return null;
  }
}
