/**
 * A session's trace: the helper's own steps while it built the sandbox (read from its
 * --trace-path file once the sandbox is up) and the events `byhand` commands run inside the
 * sandbox write, one JSON object a line, to a unix socket mounted at /run/byhand/trace.sock.
 * What arrives on the socket comes from the learner: it is validated, capped and never waited on.
 */
import { chmodSync, mkdirSync, openSync, readSync, closeSync, rmSync, readdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { TokenBucket } from './rate.js';

export type TraceEvent = Record<string, unknown>;
export type TraceListener = (event: TraceEvent) => void;

/** Where the socket's directory is mounted inside the sandbox (read-only; the socket is writable). */
export const TRACE_DIR_INSIDE = '/run/byhand';
export const TRACE_SOCKET_INSIDE = `${TRACE_DIR_INSIDE}/trace.sock`;
/** A longer line is dropped whole. */
export const MAX_EVENT_BYTES = 4096;
/** Events a second the socket takes from one sandbox, and the burst it allows. */
export const EVENTS_PER_SECOND = 50;
export const EVENT_BURST = 200;
/** The helper writes some 40 steps; a runaway file is cut off. */
const MAX_START_EVENTS = 500;
const MAX_START_FILE_BYTES = 1024 * 1024;
const MAX_CONNECTIONS = 8;
/** How long a writer over its rate waits before the agent reads from it again. */
const THROTTLE_MS = 250;

/** A JSON object of at most MAX_EVENT_BYTES, else null. */
export function parseEvent(line: string): TraceEvent | null {
  if (Buffer.byteLength(line) > MAX_EVENT_BYTES) return null;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as TraceEvent) : null;
  } catch {
    return null;
  }
}

function readCapped(path: string, limit: number): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return ''; // the helper never got as far as opening it
  }
  try {
    const buf = Buffer.alloc(limit);
    const n = readSync(fd, buf, 0, limit, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

export class SessionTrace {
  /** The start events, once read; replayed to every new listener. */
  private start: TraceEvent[] | null = null;
  private readonly listeners = new Set<TraceListener>();
  private readonly sockets = new Set<Socket>();
  private readonly bucket = new TokenBucket(EVENT_BURST, EVENTS_PER_SECOND);
  /** Lines dropped: not JSON objects, or too long. */
  dropped = 0;

  private constructor(
    /** This session's directory: the start trace file and the socket's directory. */
    readonly dir: string,
    private readonly server: Server,
  ) {}

  /** Makes `dir` with the socket listening in it. */
  static async open(dir: string): Promise<SessionTrace> {
    mkdirSync(join(dir, 'socket'), { recursive: true, mode: 0o700 });
    // Mounted into the sandbox: its root must be able to reach and connect to the socket.
    chmodSync(join(dir, 'socket'), 0o755);
    const server = createServer();
    const trace = new SessionTrace(dir, server);
    server.on('connection', (socket) => trace.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(trace.socketPath, () => resolve());
    });
    chmodSync(trace.socketPath, 0o666);
    return trace;
  }

  /** The helper writes its start trace here (--trace-path). */
  get startFile(): string {
    return join(this.dir, 'start.jsonl');
  }

  /** Host directory mounted read-only at TRACE_DIR_INSIDE. */
  get socketDir(): string {
    return join(this.dir, 'socket');
  }

  get socketPath(): string {
    return join(this.socketDir, 'trace.sock');
  }

  /** Calls `listener` with the start events read so far, then with every later event. */
  subscribe(listener: TraceListener): () => void {
    for (const event of this.start ?? []) listener(event);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads the helper's start steps; call once the sandbox is up (or has failed). */
  loadStart(): void {
    if (this.start !== null) return;
    const lines = readCapped(this.startFile, MAX_START_FILE_BYTES).split('\n');
    this.start = [];
    for (const line of lines) {
      const event = parseEvent(line);
      if (event && this.start.length < MAX_START_EVENTS) this.start.push({ ...event, origin: 'session' });
    }
    rmSync(this.startFile, { force: true });
    for (const event of this.start) this.emit(event);
  }

  close(): void {
    this.server.close();
    for (const socket of this.sockets) socket.destroy();
    this.listeners.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private emit(event: TraceEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private accept(socket: Socket): void {
    socket.on('error', () => {});
    if (this.sockets.size >= MAX_CONNECTIONS) return void socket.destroy();
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.setEncoding('utf8');
    let line = '';
    let tooLong = false;
    socket.on('data', (chunk: string) => {
      // Every chunk and every line costs a token: past the rate, lines are dropped and the
      // writer is read again only later, so it waits, never the agent.
      let allowed = this.bucket.take();
      for (let from = 0; ; ) {
        const nl = chunk.indexOf('\n', from);
        if (!tooLong) {
          line += chunk.slice(from, nl < 0 ? undefined : nl);
          if (line.length > MAX_EVENT_BYTES) [line, tooLong] = ['', true];
        }
        if (nl < 0) break;
        if (tooLong || !allowed) this.dropped++;
        else this.received(line);
        allowed &&= this.bucket.take();
        [line, tooLong, from] = ['', false, nl + 1];
      }
      if (!allowed) this.throttle(socket);
    });
  }

  private received(line: string): void {
    const event = parseEvent(line);
    if (event === null) {
      if (line.trim()) this.dropped++;
      return;
    }
    this.emit({ ...event, origin: 'sandbox' });
  }

  private throttle(socket: Socket): void {
    socket.pause();
    setTimeout(() => socket.resume(), THROTTLE_MS).unref();
  }
}

/** On start: remove the session directories a crashed agent left behind. */
export function removeLeftoverTraces(runDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(runDir);
  } catch {
    return [];
  }
  for (const name of names) rmSync(join(runDir, name), { recursive: true, force: true });
  return names;
}
