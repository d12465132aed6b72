/** The agent's HTTP routes and its WebSocket endpoint. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { HttpError, hasBearer, readJsonBody, rejectUpgrade, sendError, sendJson } from './http-util.js';
import type { Logger } from './log.js';
import { renderMetrics } from './metrics.js';
import { originAllowed } from './origin.js';
import { CapacityError, SandboxStartError, SessionTable } from './sessions.js';
import { digest } from './tokens.js';
import { bridge } from './tty.js';

export interface AgentConfig {
  host: string;
  port: number;
  secret: string;
  /** Root filesystem of the lab image every sandbox starts from. */
  rootfs: string;
  maxSessions: number;
  /** Origins allowed to open terminals besides those on the agent's own hostname. */
  allowedOrigins: string[];
  tokenTtlMs: number;
  log: Logger;
}

export interface Agent {
  readonly server: Server;
  readonly sessions: SessionTable;
  listen(): Promise<AddressInfo>;
  /** Ends every session, closes every connection and stops listening. */
  close(): Promise<void>;
}

export const MAX_BODY_BYTES = 16 * 1024;
/** Terminal input arrives in keystrokes and pastes; nothing legitimate comes near this. */
const MAX_FRAME_BYTES = 256 * 1024;
const LESSON_SLUG = /^[a-z0-9][a-z0-9-]{0,99}$/;
const SESSION_PATH = /^\/v1\/sessions\/([0-9a-f]{16})$/;
const TTY_PATH = /^\/v1\/sessions\/([0-9a-f]{16})\/tty$/;

function lessonFrom(body: unknown): string {
  const lesson = (body as { lesson?: unknown } | null)?.lesson;
  if (typeof lesson !== 'string' || !LESSON_SLUG.test(lesson)) {
    throw new HttpError(
      400,
      'the body must be {"lesson":"<slug>"} where the slug is lowercase letters, digits and dashes, e.g. {"lesson":"namespaces"}',
    );
  }
  return lesson;
}

export function createAgent(config: AgentConfig): Agent {
  const { log } = config;
  const secretDigest = digest(config.secret);
  const sessions = new SessionTable({
    rootfs: config.rootfs,
    maxSessions: config.maxSessions,
    tokenTtlMs: config.tokenTtlMs,
    log,
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  const requireSecret = (req: IncomingMessage) => {
    if (!hasBearer(req, secretDigest)) {
      throw new HttpError(401, 'send the agent secret as "Authorization: Bearer <BYHAND_AGENT_SECRET>"');
    }
  };

  async function createSession(req: IncomingMessage, res: ServerResponse) {
    requireSecret(req);
    const lesson = lessonFrom(await readJsonBody(req, MAX_BODY_BYTES));
    try {
      const { session, token } = sessions.create(lesson);
      sendJson(res, 201, { id: session.id, token });
    } catch (err) {
      if (err instanceof CapacityError) throw new HttpError(503, err.message);
      if (err instanceof SandboxStartError) throw new HttpError(500, err.message);
      throw err;
    }
  }

  function deleteSession(req: IncomingMessage, res: ServerResponse, id: string) {
    requireSecret(req);
    if (!sessions.end(id)) throw new HttpError(404, `there is no session ${id}; it may have ended already`);
    res.writeHead(204).end();
  }

  async function route(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', 'http://agent').pathname;
    const method = req.method ?? 'GET';
    const allow = (methods: string) => {
      if (!methods.split(', ').includes(method)) {
        throw new HttpError(405, `${path} accepts ${methods} only`);
      }
    };
    if (path === '/healthz') {
      allow('GET');
      return sendJson(res, 200, { ok: true, sessions: sessions.size });
    }
    if (path === '/metrics') {
      allow('GET');
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      return res.end(renderMetrics(sessions));
    }
    if (path === '/v1/sessions') {
      allow('POST');
      return createSession(req, res);
    }
    const match = SESSION_PATH.exec(path);
    if (match) {
      allow('DELETE');
      return deleteSession(req, res, match[1]!);
    }
    throw new HttpError(404, `nothing at ${path}; see /healthz, /metrics and /v1/sessions`);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      if (err instanceof HttpError) {
        const headers: Record<string, string> = {};
        if (err.status === 401) headers['WWW-Authenticate'] = 'Bearer';
        // The rest of an oversized body is not read; closing is the only way to be rid of it.
        if (err.status === 413) headers.Connection = 'close';
        return sendError(res, err.status, err.message, headers);
      }
      log('request failed', { method: req.method, url: req.url, error: (err as Error).message });
      sendError(res, 500, 'the agent failed to handle this request; its log says why');
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    const url = new URL(req.url ?? '/', 'http://agent');
    const match = TTY_PATH.exec(url.pathname);
    if (!match) return rejectUpgrade(socket, 404, `no WebSocket at ${url.pathname}; terminals are at /v1/sessions/<id>/tty`);
    if (!originAllowed(req.headers.origin, req.headers.host, config.allowedOrigins)) {
      log('attach refused', { origin: req.headers.origin, reason: 'origin not allowed' });
      return rejectUpgrade(
        socket,
        403,
        `pages from ${req.headers.origin} may not open terminals; add that origin to BYHAND_ALLOWED_ORIGINS`,
      );
    }
    const id = match[1]!;
    const claim = sessions.claim(id, url.searchParams.get('token') ?? '');
    if (!claim.ok) {
      return claim.reason === 'unknown-session'
        ? rejectUpgrade(socket, 404, `there is no session ${id}; it ended or was never created`)
        : rejectUpgrade(socket, 401, 'the token is wrong, expired or already used; ask the site for a new session');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      log('session attached', { id });
      bridge(ws, claim.session, () => sessions.end(id));
    });
  });

  return {
    server,
    sessions,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          log('listening', { host: address.address, port: address.port });
          resolve(address);
        });
      }),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const ws of wss.clients) ws.terminate();
      await sessions.endAll();
      await closed;
    },
  };
}
