/**
 * The session table: creates sandboxes, hands out single-use tokens, enforces the caps, and
 * ends sessions (on DELETE, after the idle timeout, at the maximum lifetime).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { UidRangeAllocator, type Cgroup, type UidRange } from '@byhand/runtime';
import type { Egress } from './egress.js';
import { createSessionCgroup, removeSessionCgroup, type SessionLimits } from './limits.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { Session } from './session.js';
import type { ScratchDisks } from './scratch.js';
import { openSecondShell, spawnSandbox, TERMINAL_COLS, TERMINAL_ROWS } from './sandbox.js';
import { Terminal } from './terminal.js';
import { SessionTokens } from './tokens.js';
import { SessionTrace } from './trace.js';

export const TOKEN_TTL_MS = 60_000;
export const IDLE_TIMEOUT_MS = 900_000;
export const MAX_LIFETIME_MS = 7_200_000;
export const DEFAULT_MAX_SESSIONS_PER_CLIENT = 3;
/** Sessions one client may start a minute. */
export const DEFAULT_SESSION_RATE = 10;

export interface SessionTableOptions {
  /** Root filesystem of the lab image. */
  rootfs: string;
  /** Size limit of each sandbox's writable layer, e.g. "512m". */
  upperSize: string;
  maxSessions: number;
  maxSessionsPerClient: number;
  /** Each session's trace file and socket live in <runDir>/<session id>. */
  runDir: string;
  /** How long a token stays valid; a session nobody ever attached to is ended then. */
  tokenTtlMs: number;
  /** A session with no client attached for this long is ended. */
  idleTimeoutMs: number;
  /** A session is ended this long after it started, attached or not. */
  maxLifetimeMs: number;
  limits: SessionLimits;
  /** Names this agent's session cgroups (see limits.ts). */
  cgroupPrefix: string;
  metrics: Metrics;
  /** Plugs sessions into the egress network when BYHAND_EGRESS is on. */
  egress?: Egress;
  /** Gives each sandbox a /scratch disk where the kernel needs one (see scratch.ts). */
  scratch?: ScratchDisks;
  log: Logger;
}

/** The class is full: the caller should answer 503 and the client may retry later. */
export class CapacityError extends Error {}

/** This client has as many sandboxes as it may have: answer 429. */
export class ClientLimitError extends Error {}

/** The sandbox could not be started at all (the runtime or the lab image is broken). */
export class SandboxStartError extends Error {}

export type Claim = { ok: true; session: Session } | { ok: false; reason: 'unknown-session' | 'bad-token' };

interface Entry {
  session: Session;
  tokens: SessionTokens;
  everAttached: boolean;
  timers: NodeJS.Timeout[];
  idle: NodeJS.Timeout | null;
}

export class SessionTable {
  private readonly entries = new Map<string, Entry>();
  private readonly uids = new UidRangeAllocator();
  /** Clients whose sessions are being created right now: they count against the caps too. */
  private readonly starting: string[] = [];
  /** Every ended or running session's clean-up, until it is done: a DELETE just before shutdown must still finish. */
  private readonly cleanups = new Set<Promise<void>>();
  private created = 0;

  constructor(private readonly opts: SessionTableOptions) {}

  get size(): number {
    return this.entries.size;
  }

  get createdTotal(): number {
    return this.created;
  }

  get(id: string): Session | undefined {
    return this.entries.get(id)?.session;
  }

  /** Starts a sandbox at once, so its shell is warm by the time the browser attaches. */
  async create(lesson: string, client: string): Promise<{ session: Session; token: string }> {
    this.checkCaps(client);
    this.starting.push(client);
    try {
      return await this.start(lesson, client);
    } finally {
      this.starting.splice(this.starting.indexOf(client), 1);
    }
  }

  private async start(lesson: string, client: string): Promise<{ session: Session; token: string }> {
    const id = randomBytes(8).toString('hex');
    const ids = this.allocateIds();
    let cgroup: Cgroup;
    try {
      cgroup = await createSessionCgroup(this.opts.cgroupPrefix, id, this.opts.limits, ids, this.opts.log);
    } catch (err) {
      this.uids.release(ids);
      throw new SandboxStartError(
        `could not make the sandbox's cgroup, so its memory and processes cannot be limited: ${(err as Error).message}`,
      );
    }
    let session: Session;
    let trace: SessionTrace | null = null;
    try {
      trace = await SessionTrace.open(join(this.opts.runDir, id));
      const scratchDir = await this.opts.scratch?.create(id);
      const pty = spawnSandbox({
        name: `lab-${id.slice(0, 12)}`,
        rootfs: this.opts.rootfs,
        ids,
        upperSize: this.opts.upperSize,
        cgroupProcs: cgroup.procsFiles(),
        tracePath: trace.startFile,
        traceSocketDir: trace.socketDir,
        scratchDir,
      });
      const main = new Terminal(pty, TERMINAL_COLS, TERMINAL_ROWS);
      session = new Session(id, lesson, client, main, openSecondShell, cgroup.procsFiles(), trace);
    } catch (err) {
      trace?.close();
      this.uids.release(ids);
      await removeSessionCgroup(cgroup, this.opts.log);
      await this.opts.scratch?.remove(id);
      throw new SandboxStartError(`could not start a sandbox: ${(err as Error).message}`);
    }
    const entry = this.track(session, cgroup, ids);
    this.opts.log('session created', { id, lesson, pid: session.pid, client });
    return { session, token: entry.tokens.issue() };
  }

  /** Adds a started session to the table, with its timers and what happens when it ends. */
  private track(session: Session, cgroup: Cgroup, ids: UidRange): Entry {
    const { id } = session;
    const spawned = performance.now();
    void session.initPid().then((pid) => {
      if (pid !== null) this.opts.metrics.observeStart((performance.now() - spawned) / 1000);
      // Up (or given up on): the helper has written every start step by now.
      session.trace.loadStart();
      // ...and holds its own mount of the scratch disk, which then lives exactly as long as the sandbox.
      void this.opts.scratch?.remove(id);
    });
    this.opts.egress?.plug(session);
    const gone = session.exited.then(async (code) => {
      this.forget(id);
      const oomKilled = cgroup.oomKilled();
      if (oomKilled) this.opts.metrics.oomKills++;
      this.opts.log('session ended', { id, exit: code, oomKilled: oomKilled || undefined });
      session.trace.close();
      await this.opts.egress?.unplug(id);
      await removeSessionCgroup(cgroup, this.opts.log);
      this.uids.release(ids);
    });
    this.cleanups.add(gone);
    const done = () => this.cleanups.delete(gone);
    gone.then(done, done);
    const entry: Entry = {
      session,
      tokens: new SessionTokens(this.opts.tokenTtlMs),
      everAttached: false,
      timers: [
        setTimeout(() => this.neverAttached(id), this.opts.tokenTtlMs),
        setTimeout(() => this.timeUp(id, 'maximum lifetime reached'), this.opts.maxLifetimeMs),
      ],
      idle: null,
    };
    this.entries.set(id, entry);
    this.created++;
    return entry;
  }

  /** A new single-use token for an existing session; null when there is no such session. */
  newToken(id: string): string | null {
    return this.entries.get(id)?.tokens.issue() ?? null;
  }

  /** Checks and uses up one of the session's tokens; a token works once. */
  claim(id: string, token: string): Claim {
    const entry = this.entries.get(id);
    if (!entry) return { ok: false, reason: 'unknown-session' };
    if (!entry.tokens.redeem(token)) return { ok: false, reason: 'bad-token' };
    return { ok: true, session: entry.session };
  }

  /** Call after a client attached to or detached from one of the session's terminals. */
  attachmentChanged(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    if (entry.idle) clearTimeout(entry.idle);
    entry.idle = null;
    if (entry.session.attached) {
      entry.everAttached = true;
      return;
    }
    entry.idle = setTimeout(() => this.timeUp(id, 'idle timeout: no terminal attached'), this.opts.idleTimeoutMs);
  }

  /** Kills the session's sandbox and forgets it; false when there was no such session. */
  end(id: string): boolean {
    const entry = this.forget(id);
    entry?.session.kill();
    return entry !== undefined;
  }

  /** Ends every session and waits (up to `timeoutMs`) until their sandboxes and cgroups are gone. */
  async endAll(timeoutMs = 5_000): Promise<void> {
    const entries = [...this.entries.values()];
    for (const e of entries) this.end(e.session.id);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.allSettled([...this.cleanups]), timeout]);
    clearTimeout(timer);
  }

  private checkCaps(client: string): void {
    if (this.entries.size + this.starting.length >= this.opts.maxSessions) {
      throw new CapacityError(
        `the class is full: all ${this.opts.maxSessions} sandboxes are in use; try again when a learner leaves, ` +
          'or raise BYHAND_MAX_SESSIONS if the machine has room',
      );
    }
    const mine =
      [...this.entries.values()].filter((e) => e.session.client === client).length +
      this.starting.filter((c) => c === client).length;
    if (mine >= this.opts.maxSessionsPerClient) {
      throw new ClientLimitError(
        `you already have ${mine} sandboxes open, the most one learner may have ` +
          '(BYHAND_MAX_SESSIONS_PER_CLIENT); close a lesson tab or restart one of its terminals instead',
      );
    }
  }

  private forget(id: string): Entry | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    for (const timer of entry.timers) clearTimeout(timer);
    if (entry.idle) clearTimeout(entry.idle);
    this.entries.delete(id);
    return entry;
  }

  private allocateIds(): UidRange {
    try {
      return this.uids.allocate();
    } catch (err) {
      throw new CapacityError(`no free uid range for another sandbox: ${(err as Error).message}`);
    }
  }

  private neverAttached(id: string): void {
    const entry = this.entries.get(id);
    if (!entry || entry.everAttached || entry.session.attached) return;
    this.timeUp(id, 'nobody attached in time');
  }

  private timeUp(id: string, reason: string): void {
    if (!this.entries.has(id)) return;
    this.opts.log('session expired', { id, reason });
    this.end(id);
  }
}
