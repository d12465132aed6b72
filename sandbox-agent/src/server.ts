/** The agent's HTTP routes and its WebSocket endpoint. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freemem } from 'node:os';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CLIENT_HEADER, TERMINALS, type TerminalId } from '@byhand/protocol';
import { LEARNER_HEADER, verifyLearner } from '@byhand/protocol/learner';
import { stateDir } from '@byhand/protocol/config';
import { Checks } from './checks.js';
import { Egress, type EgressSettings } from './egress.js';
import { ClientRateLimit, RateLimitError } from './rate.js';
import { HttpError, hasBearer, readJsonBody, rejectUpgrade, sendError, sendJson } from './http-util.js';
import type { Logger } from './log.js';
import { Metrics } from './metrics.js';
import { defaultPoolSize } from './pool.js';
import { originAllowed } from './origin.js';
import { ScratchDisks, scratchDirOf, type ScratchMode } from './scratch.js';
import { Progress } from './progress.js';
import { CapacityError, ClientLimitError, LearnerLimitError, SandboxStartError, SessionTable } from './sessions.js';
import type { SessionLimits } from './limits.js';
import type { Session } from './session.js';
import type { Terminal } from './terminal.js';
import { digest, matchesDigest } from './tokens.js';
import { bridge } from './tty.js';

export interface AgentConfig {
  host: string;
  port: number;
  secret: string;
  /** Root filesystem of the lab image every sandbox starts from. */
  rootfs: string;
  /** Size limit of each sandbox's writable layer (a tmpfs), e.g. "512m". */
  upperSize: string;
  maxSessions: number;
  /** Sessions one learner (the site's signed learner id) may have at once. */
  maxSessionsPerLearner: number;
  /** Sessions one browser address (as the site names it) may have at once: a flood guard for a whole class. */
  maxSessionsPerClient: number;
  /** Sessions one learner may start a minute. */
  sessionRate: number;
  /** Sessions one browser address may start a minute. */
  clientSessionRate: number;
  /** How long a sandbox its learner left stays for a reload or a quick way back (see sessions.ts). */
  leaveGraceMs: number;
  /** Where each learner's passed checks are kept, and for how many days after their last change. */
  progressDir: string;
  progressRetentionDays: number;
  /** When set, POST /v1/sessions must carry it as {"accessCode"}. */
  accessCode: string | null;
  /** Each session's trace file and socket directory live below it. */
  runDir: string;
  idleTimeoutMs: number;
  maxLifetimeMs: number;
  /** Each session's cgroup limits. */
  limits: SessionLimits;
  /** Names this agent's session cgroups, so a restart finds its own leftovers (see limits.ts). */
  cgroupPrefix: string;
  /** content/lessons: where each lesson's checks/<id>.sh live. */
  lessonsDir: string;
  /** Origins allowed to open terminals besides those on the agent's own hostname. */
  allowedOrigins: string[];
  tokenTtlMs: number;
  /** BYHAND_EGRESS; absent: off. */
  egress?: EgressSettings;
  /** BYHAND_SCRATCH: whether sandboxes get a /scratch disk (see scratch.ts); absent: auto. */
  scratch?: ScratchMode;
  /** BYHAND_POOL_SIZE: sandboxes kept made ahead for learners to come (pool.ts); absent: none. */
  poolSize?: number | 'auto';
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
/** A clean close (the page navigated, reloaded or closed) means the learner left; anything else may be a lost network. */
const LEAVING_CLOSE_CODES = new Set([1000, 1001]);
const SESSION_PATH = /^\/v1\/sessions\/([0-9a-f]{16})$/;
const TOKENS_PATH = /^\/v1\/sessions\/([0-9a-f]{16})\/tokens$/;
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

function accessCodeFrom(body: unknown): string {
  const code = (body as { accessCode?: unknown } | null)?.accessCode;
  return typeof code === 'string' ? code : '';
}

/** The browser's address as the site names it, else the caller's own address. */
function clientOf(req: IncomingMessage): string {
  const named = req.headers[CLIENT_HEADER.toLowerCase()];
  if (typeof named === 'string' && named.trim()) return named.trim().slice(0, 100);
  return req.socket.remoteAddress ?? 'unknown';
}

/** The learner the site names, verified against the agent secret; throws HttpError 400/403. */
function learnerOf(req: IncomingMessage, secret: string): string {
  const raw = req.headers[LEARNER_HEADER.toLowerCase()];
  const check = verifyLearner(typeof raw === 'string' ? raw.trim() : null, secret);
  if (check.ok) return check.id;
  if (check.reason === 'forged') {
    throw new HttpError(403, `the learner id in ${LEARNER_HEADER} has a wrong signature: it was not issued with this agent's secret`);
  }
  throw new HttpError(
    400,
    `send the learner as "${LEARNER_HEADER}: <id>.<signature>" (the site does this from its learner cookie)` +
      (check.reason === 'malformed' ? '; the value sent is not in that form' : ''),
  );
}

function rateLimited(limit: ClientRateLimit, key: string): void {
  try {
    limit.take(key);
  } catch (err) {
    if (!(err instanceof RateLimitError)) throw err;
    throw new HttpError(429, err.message, { 'Retry-After': String(err.retryAfterSeconds) });
  }
}

export function createAgent(config: AgentConfig): Agent {
  const { log } = config;
  const secretDigest = digest(config.secret);
  const metrics = new Metrics();
  const egress = new Egress(stateDir(), config.egress ?? { enabled: false, nameservers: null }, log);
  const scratch = new ScratchDisks(scratchDirOf(stateDir()), config.scratch ?? 'auto', config.upperSize, log);
  const sessions = new SessionTable({
    metrics,
    rootfs: config.rootfs,
    upperSize: config.upperSize,
    maxSessions: config.maxSessions,
    maxSessionsPerLearner: config.maxSessionsPerLearner,
    maxSessionsPerClient: config.maxSessionsPerClient,
    leaveGraceMs: config.leaveGraceMs,
    tokenTtlMs: config.tokenTtlMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxLifetimeMs: config.maxLifetimeMs,
    limits: config.limits,
    cgroupPrefix: config.cgroupPrefix,
    runDir: config.runDir,
    egress,
    scratch,
    log,
  });
  const learnerRate = new ClientRateLimit(config.sessionRate, (n, wait) =>
    `you started ${n} sandboxes within a minute, the most one learner may (BYHAND_SESSION_RATE); try again in ${wait} s`);
  const clientRate = new ClientRateLimit(config.clientSessionRate, (n, wait) =>
    `${n} sandboxes were started from your network address within a minute, the most one address may ` +
    `(BYHAND_CLIENT_SESSION_RATE, a flood guard); try again in ${wait} s`);
  const accessDigest = config.accessCode === null ? null : digest(config.accessCode);
  const progress = new Progress(config.progressDir, config.progressRetentionDays, log);
  const checks = new Checks(config.lessonsDir, log, metrics, progress);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  const requireSecret = (req: IncomingMessage) => {
    if (!hasBearer(req, secretDigest)) {
      throw new HttpError(401, 'send the agent secret as "Authorization: Bearer <BYHAND_AGENT_SECRET>"');
    }
  };

  async function createSession(req: IncomingMessage, res: ServerResponse) {
    requireSecret(req);
    const learner = learnerOf(req, config.secret);
    const body = await readJsonBody(req, MAX_BODY_BYTES);
    const client = clientOf(req);
    // Before the access code: they also slow down guessing the code.
    rateLimited(clientRate, client);
    rateLimited(learnerRate, learner);
    if (accessDigest !== null) {
      const code = accessCodeFrom(body);
      // The code tells the site to ask the learner for it, rather than blame its own credentials.
      if (code === '') throw new HttpError(403, 'this class needs its access code: ask your teacher for it', {}, { code: 'access-code' });
      if (!matchesDigest(code, accessDigest)) {
        throw new HttpError(403, 'wrong access code: ask your teacher for this class\'s code and enter it again', {}, { code: 'access-code' });
      }
    }
    const lesson = lessonFrom(body);
    try {
      const { session, token } = await sessions.create(lesson, { learner, client });
      sendJson(res, 201, { id: session.id, token });
    } catch (err) {
      if (err instanceof CapacityError) throw new HttpError(503, err.message);
      if (err instanceof ClientLimitError) throw new HttpError(429, err.message, {}, { code: 'client-limit' });
      if (err instanceof LearnerLimitError) throw new HttpError(429, err.message, {}, { code: 'learner-limit', sessions: err.sessions });
      if (err instanceof SandboxStartError) throw new HttpError(500, err.message);
      throw err;
    }
  }

  // Another learner's session answers as if it did not exist: its id alone gives nothing away.
  function deleteSession(req: IncomingMessage, res: ServerResponse, id: string) {
    requireSecret(req);
    if (!sessions.end(id, learnerOf(req, config.secret))) throw new HttpError(404, `you have no session ${id}; it may have ended already`);
    res.writeHead(204).end();
  }

  function listSessions(req: IncomingMessage, res: ServerResponse) {
    requireSecret(req);
    sendJson(res, 200, { sessions: sessions.list(learnerOf(req, config.secret)) });
  }

  function showProgress(req: IncomingMessage, res: ServerResponse) {
    requireSecret(req);
    sendJson(res, 200, { lessons: progress.get(learnerOf(req, config.secret)) });
  }

  function createToken(req: IncomingMessage, res: ServerResponse, id: string) {
    requireSecret(req);
    const token = sessions.newToken(id, learnerOf(req, config.secret));
    if (token === null) throw new HttpError(404, `there is no session ${id}; it ended, so start a new one`);
    sendJson(res, 201, { token });
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
      return res.end(metrics.render(sessions));
    }
    if (path === '/v1/sessions') {
      allow('GET, POST');
      return method === 'GET' ? listSessions(req, res) : createSession(req, res);
    }
    if (path === '/v1/progress') {
      allow('GET');
      return showProgress(req, res);
    }
    const tokens = TOKENS_PATH.exec(path);
    if (tokens) {
      allow('POST');
      return createToken(req, res, tokens[1]!);
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
        const headers: Record<string, string> = { ...err.headers };
        if (err.status === 401) headers['WWW-Authenticate'] = 'Bearer';
        // The rest of an oversized body is not read; closing is the only way to be rid of it.
        if (err.status === 413) headers.Connection = 'close';
        return sendError(res, err.status, err.message, headers, err.fields);
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
    const which = url.searchParams.get('terminal') ?? '1';
    if (!(TERMINALS as readonly string[]).includes(which)) {
      return rejectUpgrade(socket, 400, `terminal must be one of ${TERMINALS.join(', ')}, got ${JSON.stringify(which)}`);
    }
    const claim = sessions.claim(id, url.searchParams.get('token') ?? '');
    if (!claim.ok) {
      return claim.reason === 'unknown-session'
        ? rejectUpgrade(socket, 404, `there is no session ${id}; it ended or was never created`)
        : rejectUpgrade(socket, 401, 'the token is wrong, expired or already used; reload the page for a new one');
    }
    claim.session.terminal(which as TerminalId).then(
      (terminal) => attach(req, socket, head, claim.session, terminal, which),
      (err: Error) => {
        log('attach failed', { id, terminal: which, error: err.message });
        rejectUpgrade(socket, 500, `terminal ${which} could not start: ${err.message}`);
      },
    );
  });

  function attach(req: IncomingMessage, socket: Duplex, head: Buffer, session: Session, terminal: Terminal, which: string) {
    const { id } = session;
    wss.handleUpgrade(req, socket, head, (ws) => {
      log('session attached', { id, terminal: which });
      bridge(ws, terminal, metrics, {
        check: (checkId) => checks.answer(session, checkId),
        detached: (code) => sessions.attachmentChanged(id, LEAVING_CLOSE_CODES.has(code) ? 'left' : 'dropped'),
        trace: which === '1' ? session.trace : undefined,
      });
      sessions.attachmentChanged(id);
    });
  }

  return {
    server,
    sessions,
    listen: async () => {
      // Before the first session: a killed agent's leftovers go, and the firewall is in place.
      await egress.start();
      await scratch.start();
      progress.start();
      const poolSize = config.poolSize === 'auto'
        ? defaultPoolSize(config.maxSessions, freemem(), scratch.enabled)
        : (config.poolSize ?? 0);
      log('pool', { size: poolSize, setting: config.poolSize ?? 0 });
      sessions.startPool(poolSize);
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          log('listening', { host: address.address, port: address.port });
          resolve(address);
        });
      });
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const ws of wss.clients) ws.terminate();
      await sessions.endAll();
      progress.stop();
      await egress.stop();
      await closed;
    },
  };
}
