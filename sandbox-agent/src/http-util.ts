/** Small helpers for plain node:http handlers and for refusing WebSocket upgrades. */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { matchesDigest } from './tokens.js';

/** A request the client got wrong; `status` is the HTTP status to answer with. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
    /** Extra fields of the JSON answer beside "error", e.g. a machine-readable "code". */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** Errors are `{"error":"<what was wrong and what to do>"}`, plus `fields` where a client can act on them. */
export function sendError(
  res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}, fields: Record<string, unknown> = {},
): void {
  sendJson(res, status, { ...fields, error: message }, headers);
}

/** Reads a JSON body of at most `limit` bytes; throws HttpError 413 or 400. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const text = await readBody(req, limit);
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the request body must be JSON, e.g. {"lesson":"namespaces"}');
  }
}

/**
 * Collects the body as text. On overflow it stops listening rather than destroying the
 * request, which would take the socket and the 413 answer down with it.
 */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const tooLarge = () => new HttpError(413, `the request body is larger than ${limit} bytes; send at most ${limit}`);
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd).pause();
      reject(tooLarge());
    };
    const onEnd = () => resolve(Buffer.concat(chunks).toString('utf8'));
    req.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

/** True when the request carries `Authorization: Bearer <secret>` (compared in constant time). */
export function hasBearer(req: IncomingMessage, secretDigest: Buffer): boolean {
  const match = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '');
  return match !== null && matchesDigest(match[1]!, secretDigest);
}

/** Answers an upgrade request with a plain HTTP error and closes the connection. */
export function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
      body,
  );
}
