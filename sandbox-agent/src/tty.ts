/** Bridges one WebSocket and one terminal of a session, with ack-based flow control. */
import type { WebSocket, RawData } from 'ws';
import { CLOSE_REPLACED, parseClientMessage, type AgentMessage, type ClientMessage } from '@byhand/protocol';
import { FlowControl } from './flow.js';
import type { Metrics } from './metrics.js';
import type { Sink, Terminal } from './terminal.js';
import type { SessionTrace } from './trace.js';

/** Trace frames are not flow-controlled; past this much unsent they are dropped. */
const TRACE_BUFFER_LIMIT = 1024 * 1024;
/** One notice per this long about refused input, however many frames were refused. */
const INPUT_NOTICE_MS = 2_000;

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export interface BridgeHooks {
  /** Answers a check request with a `check` or `error` message. */
  check(id: string): Promise<AgentMessage>;
  /** Runs once the client has detached (the socket closed or a newer client took over), with the close code. */
  detached(code: number): void;
  /** The session's trace, sent as `trace` frames after ready (terminal 1 only). */
  trace?: SessionTrace;
}

/**
 * Attaches `ws` to `terminal`: sends the snapshot (when anything was printed), ready, then
 * live output. A newer client attaching to the same terminal closes this one with 4000.
 */
export function bridge(ws: WebSocket, terminal: Terminal, metrics: Metrics, hooks: BridgeHooks): void {
  const send = (msg: AgentMessage) => {
    if (msg.type === 'error') metrics.errorFrames++;
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };
  let unsubscribe = () => {};
  const sink: Sink = {
    start(snapshot) {
      if (snapshot) send(snapshot);
      send({ type: 'ready' });
      unsubscribe = hooks.trace?.subscribe((event) => {
        if (ws.bufferedAmount < TRACE_BUFFER_LIMIT) send({ type: 'trace', event });
      }) ?? unsubscribe;
    },
    data(chunk) {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(chunk, { binary: true });
      metrics.bytesToClients += chunk.length;
      flow.sent(chunk.length);
    },
    exit(code) {
      send({ type: 'exit', code });
      if (ws.readyState === ws.OPEN) ws.close(1000, 'the shell exited');
    },
    replaced() {
      if (ws.readyState === ws.OPEN) ws.close(CLOSE_REPLACED, 'replaced by a newer connection');
    },
  };
  const flow = new FlowControl({ pause: () => terminal.pauseFor(sink), resume: () => terminal.resumeFor(sink) });

  const handle = (msg: ClientMessage) => {
    switch (msg.type) {
      case 'resize':
        terminal.resize(msg.cols, msg.rows);
        return;
      case 'ack':
        flow.acked(msg.bytes);
        return;
      case 'check':
        void hooks.check(msg.id).then(send);
        return;
    }
  };

  let noticed = 0;
  const refusedInput = (bytes: number) => {
    metrics.inputBytesRefused += bytes;
    if (Date.now() - noticed < INPUT_NOTICE_MS) return;
    noticed = Date.now();
    send({
      type: 'error',
      code: 'input-full',
      message: `The program in this terminal is not reading its input, so ${bytes} bytes of what you typed or pasted were not sent. ` +
        'Press Ctrl+C to stop it, or paste less at a time.',
    });
  };

  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      const bytes = toBuffer(data);
      metrics.bytesFromClients += bytes.length;
      if (!terminal.write(bytes)) refusedInput(bytes.length);
      return;
    }
    const parsed = parseClientMessage(toBuffer(data).toString('utf8'));
    if (parsed.ok) handle(parsed.value);
    else send({ type: 'error', code: parsed.code, message: parsed.message });
  });
  ws.on('close', (code) => {
    unsubscribe();
    terminal.detach(sink);
    hooks.detached(code);
  });
  // Errors (a client sending garbage frames) are followed by 'close'; without a listener they would crash the agent.
  ws.on('error', () => {});

  terminal.attach(sink);
}
