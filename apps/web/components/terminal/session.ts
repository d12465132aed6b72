/**
 * One terminal session in the browser: asks the site for a sandbox, then bridges the agent's
 * WebSocket and an xterm.js terminal using the wire protocol (ARCHITECTURE.md):
 * binary frames are terminal bytes both ways, text frames are JSON messages.
 */
import { MAX_TERMINAL_COLS, MAX_TERMINAL_ROWS, type AgentMessage, type ClientMessage } from '@byhand/protocol';
import type { IDisposable, Terminal } from '@xterm/xterm';
import { attachTypist, type TerminalState } from '../../lib/terminal-bus';

export interface SessionCallbacks {
  /** The state changed; `message` is what the status bar should say. */
  onStatus(state: TerminalState, message: string): void;
  /** The agent reported a problem but the session goes on. */
  onNotice(message: string): void;
  onSessionId(id: string): void;
}

interface BrowserSession {
  id: string;
  token: string;
  wsUrl: string;
}

/** Starts a session for `lesson` in `term`; the returned function ends it. */
export function startSession(term: Terminal, lesson: string, cb: SessionCallbacks): () => void {
  const abort = new AbortController();
  const cleanups: Array<() => void> = [() => abort.abort()];
  let socket: WebSocket | null = null;

  cb.onStatus('connecting', 'Starting your sandbox…');
  requestSession(lesson, abort.signal)
    .then((session) => {
      if (abort.signal.aborted) return;
      cb.onSessionId(session.id);
      socket = connect(term, session.wsUrl, cb, cleanups);
    })
    .catch((err: unknown) => {
      if (abort.signal.aborted) return;
      cb.onStatus('error', (err as Error).message);
    });

  return () => {
    for (const c of cleanups.splice(0)) c();
    socket?.close(1000, 'page closed');
  };
}

async function requestSession(lesson: string, signal: AbortSignal): Promise<BrowserSession> {
  let res: Response;
  try {
    res = await fetch('/api/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ lesson }),
      signal,
    });
  } catch (err) {
    throw new Error(`Could not reach this site to start a sandbox: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (!res.ok) {
    throw new Error(typeof body?.error === 'string' ? body.error : `Starting a sandbox failed (HTTP ${res.status}).`);
  }
  if (!body || typeof body.id !== 'string' || typeof body.token !== 'string' || typeof body.wsUrl !== 'string') {
    throw new Error('The site answered without a session id, token and WebSocket URL.');
  }
  return { id: body.id, token: body.token, wsUrl: body.wsUrl };
}

function connect(term: Terminal, url: string, cb: SessionCallbacks, cleanups: Array<() => void>): WebSocket {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const encoder = new TextEncoder();
  let opened = false;
  let exitCode: number | null = null;
  let lastError: string | null = null;
  let live = true;
  cleanups.push(() => {
    live = false;
  });

  const send = (msg: ClientMessage | Uint8Array) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(msg instanceof Uint8Array ? msg : JSON.stringify(msg));
  };
  // The agent refuses sizes beyond the protocol's limits; a huge panel still gets a usable pty.
  const sendSize = () =>
    send({ type: 'resize', cols: Math.min(term.cols, MAX_TERMINAL_COLS), rows: Math.min(term.rows, MAX_TERMINAL_ROWS) });

  const subscriptions: IDisposable[] = [
    term.onData((data) => send(encoder.encode(data))),
    // Some mouse reports are raw bytes, one per character code, not UTF-8 text.
    term.onBinary((data) => send(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff))),
    term.onResize(sendSize),
  ];
  cleanups.push(() => subscriptions.forEach((s) => s.dispose()));
  cleanups.push(
    attachTypist((input) => {
      send(encoder.encode(input));
      // The learner clicked a Run button; let them carry on typing in the terminal.
      term.focus();
    }),
  );

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
    if (!msg) return;
    switch (msg.type) {
      case 'ready':
        cb.onStatus('ready', 'Connected: a root shell in your own sandbox');
        term.focus();
        break;
      case 'exit':
        exitCode = msg.code;
        cb.onStatus('ended', `Shell ended, exit code ${msg.code}`);
        break;
      case 'error':
        lastError = msg.message;
        cb.onNotice(msg.message);
        break;
      default:
        // Trace, check and snapshot messages belong to features this panel does not show yet.
        break;
    }
  };
  ws.onclose = (event) => {
    if (!live || exitCode !== null) return;
    if (!opened) cb.onStatus('error', `Could not open the terminal connection to ${new URL(url).host}. Is the sandbox agent running and reachable from your browser?`);
    else cb.onStatus('error', lastError ?? `The connection to your sandbox closed unexpectedly (code ${event.code}). Restart to get a fresh one.`);
  };
  return ws;
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
