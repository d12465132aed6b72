/** Bridges one WebSocket and one session's pty, with ack-based flow control. */
import type { WebSocket, RawData } from 'ws';
import { parseClientMessage, type AgentMessage, type ClientMessage } from '@byhand/protocol';
import { FlowControl } from './flow.js';
import type { Session } from './session.js';

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * Attaches `ws` to `session`: sends ready, then the output held so far, then live output.
 * `onClose` runs once the socket has closed, whoever closed it.
 */
export function bridge(ws: WebSocket, session: Session, onClose: () => void): void {
  const send = (msg: AgentMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };
  const flow = new FlowControl({
    pause: () => session.hold('client'),
    resume: () => session.release('client'),
  });

  const handle = (msg: ClientMessage) => {
    switch (msg.type) {
      case 'resize':
        session.resize(msg.cols, msg.rows);
        return;
      case 'ack':
        flow.acked(msg.bytes);
        return;
      case 'check':
        send({ type: 'error', code: 'unsupported', message: 'checks are not available yet' });
        return;
    }
  };

  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      session.write(toBuffer(data));
      return;
    }
    const parsed = parseClientMessage(toBuffer(data).toString('utf8'));
    if (parsed.ok) handle(parsed.value);
    else send({ type: 'error', code: parsed.code, message: parsed.message });
  });
  ws.on('close', onClose);
  // Errors (a client sending garbage frames) are followed by 'close'; without a listener they would crash the agent.
  ws.on('error', () => {});

  send({ type: 'ready' });
  session.attach({
    data: (chunk) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(chunk, { binary: true });
      flow.sent(chunk.length);
    },
    exit: (code) => {
      send({ type: 'exit', code });
      if (ws.readyState === ws.OPEN) ws.close(1000, 'the shell exited');
    },
  });
}
