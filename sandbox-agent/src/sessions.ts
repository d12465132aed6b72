/**
 * The session table: creates sandboxes, hands out single-use tokens, enforces the caps, and
 * ends sessions (on DELETE, after the idle timeout, at the maximum lifetime, and soon after
 * the learner has left them for another lesson).
 *
 * One learner walking the course: each lesson has its own sandbox. A sandbox whose page closed
 * its terminal cleanly (navigation, reload, closed tab) or whose learner opened another lesson
 * since is kept for the leave grace only, so a reload or a quick back-and-forth resumes it; a
 * learner at their cap who opens one more lesson ends their least recently used detached sandbox.
 */
import { randomBytes } from 'node:crypto';
import type { LearnerSession } from '@byhand/protocol';
import { join } from 'node:path';
import { UidRangeAllocator, type Cgroup, type UidRange } from '@byhand/runtime';
import type { Egress } from './egress.js';
import { createSessionCgroup, removeSessionCgroup, type SessionLimits } from './limits.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { SandboxPool } from './pool.js';
import { Session } from './session.js';
import type { ScratchDisks } from './scratch.js';
import { openSecondShell, spawnSandbox, TERMINAL_COLS, TERMINAL_ROWS } from './sandbox.js';
import { Terminal } from './terminal.js';
import { SessionTokens } from './tokens.js';
import { SessionTrace } from './trace.js';

export const TOKEN_TTL_MS = 60_000;
export const IDLE_TIMEOUT_MS = 900_000;
export const MAX_LIFETIME_MS = 7_200_000;
export const DEFAULT_MAX_SESSIONS_PER_LEARNER = 3;
/** The per-address flood guard: a class of 60 behind one school NAT, each with a sandbox and one in its grace period. */
export const DEFAULT_MAX_SESSIONS_PER_CLIENT = 120;
/** Sessions one learner may start a minute. */
export const DEFAULT_SESSION_RATE = 10;
/** Sessions one address may start a minute: a class of 60 opening a lesson or two at the same minute. */
export const DEFAULT_CLIENT_SESSION_RATE = 240;
/** How long a sandbox its learner has left (another lesson, a closed page) is kept for them to come back. */
export const LEAVE_GRACE_MS = 60_000;

export interface SessionTableOptions {
  /** Root filesystem of the lab image. */
  rootfs: string;
  /** Size limit of each sandbox's writable layer, e.g. "512m". */
  upperSize: string;
  maxSessions: number;
  maxSessionsPerLearner: number;
  /** Sessions one browser address may have: a flood guard, far above one learner's cap. */
  maxSessionsPerClient: number;
  /** How long a detached sandbox its learner has left stays (see the top of this file). */
  leaveGraceMs: number;
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

/** This browser address has as many sandboxes as the flood guard allows: answer 429. */
export class ClientLimitError extends Error {}

/** Every sandbox of this learner is in use (attached): answer 429 with the list, so they can end one. */
export class LearnerLimitError extends Error {
  constructor(
    message: string,
    readonly sessions: LearnerSession[],
  ) {
    super(message);
  }
}

/** Who asks for a sandbox: the learner (from the site's signed cookie) and the browser's address. */
export interface Requester {
  learner: string;
  client: string;
}

/** How a terminal's client went: `left` closed its socket cleanly (page gone), `dropped` lost it. */
export type Detach = 'left' | 'dropped';

/** The sandbox could not be started at all (the runtime or the lab image is broken). */
export class SandboxStartError extends Error {}

export type Claim = { ok: true; session: Session } | { ok: false; reason: 'unknown-session' | 'bad-token' };

interface Entry {
  session: Session;
  tokens: SessionTokens;
  everAttached: boolean;
  timers: NodeJS.Timeout[];
  idle: NodeJS.Timeout | null;
  /** When its last client detached (its start, before any attached): least recently used goes first. */
  detachedAt: number;
  /** The learner has left it: once detached it is kept for the leave grace only. */
  left: boolean;
}

export class SessionTable {
  private readonly entries = new Map<string, Entry>();
  private readonly uids = new UidRangeAllocator();
  /** Requests whose sessions are being created right now: they count against the caps too. */
  private readonly starting: Requester[] = [];
  /** Every ended or running session's clean-up, until it is done: a DELETE just before shutdown must still finish. */
  private readonly cleanups = new Set<Promise<void>>();
  private created = 0;
  private readonly pool: SandboxPool;

  constructor(private readonly opts: SessionTableOptions) {
    this.pool = new SandboxPool({
      make: () => this.make(),
      room: () => this.inUse() + this.pool.readyCount + this.pool.makingCount < this.opts.maxSessions,
      log: opts.log,
    });
  }

  get size(): number {
    return this.entries.size;
  }

  /** Sandboxes made ahead, waiting for a learner. */
  get pooled(): number {
    return this.pool.readyCount;
  }

  /** Starts keeping `size` sandboxes made ahead: call once the sandboxes' network and disks are set up. */
  startPool(size: number): void {
    this.pool.start(size);
  }

  get createdTotal(): number {
    return this.created;
  }

  get(id: string): Session | undefined {
    return this.entries.get(id)?.session;
  }

  /** Starts a sandbox at once, so its shell is warm by the time the browser attaches. */
  async create(lesson: string, who: Requester): Promise<{ session: Session; token: string }> {
    this.checkCaps(who);
    this.movedOn(who.learner);
    this.starting.push(who);
    try {
      return await this.start(lesson, who);
    } finally {
      this.starting.splice(this.starting.indexOf(who), 1);
    }
  }

  /** The learner's sandboxes, oldest first. */
  list(learner: string): LearnerSession[] {
    return this.ofLearner(learner)
      .sort((a, b) => a.session.createdAt - b.session.createdAt)
      .map(({ session }) => ({
        id: session.id,
        lesson: session.lesson,
        createdAt: new Date(session.createdAt).toISOString(),
        attached: session.attached,
      }));
  }

  /** The session if it exists and is this learner's; another learner's is as good as absent. */
  owned(id: string, learner: string): Session | undefined {
    const entry = this.entries.get(id);
    return entry?.session.learner === learner ? entry.session : undefined;
  }

  private async start(lesson: string, { learner, client }: Requester): Promise<{ session: Session; token: string }> {
    const pooled = this.pool.take();
    const session = pooled ?? (await this.make());
    session.assign({ lesson, learner, client });
    // On the network only once it is someone's: a sandbox waiting in the pool holds no address.
    this.opts.egress?.plug(session);
    const entry = this.track(session);
    this.opts.log('session created', {
      id: session.id, lesson, pid: session.pid, client, learner: learner.slice(0, 8), pooled: pooled !== null || undefined,
    });
    return { session, token: entry.tokens.issue() };
  }

  /** Builds a sandbox that belongs to no one yet, its clean-up tied to its exit. */
  private async make(): Promise<Session> {
    const id = randomBytes(8).toString('hex');
    const hostname = `lab-${randomBytes(6).toString('hex')}`;
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
        name: hostname,
        rootfs: this.opts.rootfs,
        ids,
        upperSize: this.opts.upperSize,
        cgroupProcs: cgroup.procsFiles(),
        tracePath: trace.startFile,
        traceSocketDir: trace.socketDir,
        scratchDir,
      });
      const main = new Terminal(pty, TERMINAL_COLS, TERMINAL_ROWS);
      session = new Session(id, hostname, main, openSecondShell, cgroup.procsFiles(), trace);
    } catch (err) {
      trace?.close();
      this.uids.release(ids);
      await removeSessionCgroup(cgroup, this.opts.log);
      await this.opts.scratch?.remove(id);
      throw new SandboxStartError(`could not start a sandbox: ${(err as Error).message}`);
    }
    this.watch(session, cgroup, ids);
    return session;
  }

  /** What happens once the sandbox is up, and once it has ended, whether or not a learner ever had it. */
  private watch(session: Session, cgroup: Cgroup, ids: UidRange): void {
    const { id } = session;
    const spawned = performance.now();
    void session.initPid().then((pid) => {
      if (pid !== null) this.opts.metrics.observeStart((performance.now() - spawned) / 1000);
      // Up (or given up on): the helper has written every start step by now.
      session.trace.loadStart();
      // ...and holds its own mount of the scratch disk, which then lives exactly as long as the sandbox.
      void this.opts.scratch?.remove(id);
    });
    const gone = session.exited.then(async (code) => {
      this.forget(id);
      const oomKilled = cgroup.oomKilled();
      if (oomKilled) this.opts.metrics.oomKills++;
      this.opts.log('session ended', { id, exit: code, oomKilled: oomKilled || undefined });
      session.trace.close();
      await this.opts.egress?.unplug(id);
      await removeSessionCgroup(cgroup, this.opts.log);
      this.uids.release(ids);
      // Its place in the class is free again.
      this.pool.refill();
    });
    this.cleanups.add(gone);
    const done = () => this.cleanups.delete(gone);
    gone.then(done, done);
  }

  /** Adds a learner's session to the table, with its timers, counted from when they got it. */
  private track(session: Session): Entry {
    const { id } = session;
    const entry: Entry = {
      session,
      tokens: new SessionTokens(this.opts.tokenTtlMs),
      everAttached: false,
      timers: [
        setTimeout(() => this.neverAttached(id), this.opts.tokenTtlMs),
        setTimeout(() => this.timeUp(id, 'maximum lifetime reached'), this.opts.maxLifetimeMs),
      ],
      idle: null,
      detachedAt: performance.now(),
      left: false,
    };
    this.entries.set(id, entry);
    this.created++;
    return entry;
  }

  /** A new single-use token for the learner's session; null when they have no such session. */
  newToken(id: string, learner: string): string | null {
    if (!this.owned(id, learner)) return null;
    return this.entries.get(id)!.tokens.issue();
  }

  /** Checks and uses up one of the session's tokens; a token works once. */
  claim(id: string, token: string): Claim {
    const entry = this.entries.get(id);
    if (!entry) return { ok: false, reason: 'unknown-session' };
    if (!entry.tokens.redeem(token)) return { ok: false, reason: 'bad-token' };
    return { ok: true, session: entry.session };
  }

  /**
   * Call after a client attached to one of the session's terminals (`how` absent) or detached
   * from one. Attaching again takes back a leave: a reload resumes the sandbox.
   */
  attachmentChanged(id: string, how?: Detach): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    if (entry.session.attached) {
      this.clearIdle(entry);
      entry.everAttached = true;
      entry.left = false;
      return;
    }
    if (how === undefined) return;
    entry.detachedAt = performance.now();
    if (how === 'left') entry.left = true;
    this.scheduleIdle(entry);
  }

  /** Kills the session's sandbox and forgets it; false when there was no such session (or, with `learner`, not theirs). */
  end(id: string, learner?: string): boolean {
    if (learner !== undefined && !this.owned(id, learner)) return false;
    const entry = this.forget(id);
    entry?.session.kill();
    return entry !== undefined;
  }

  /** Ends every session and waits (up to `timeoutMs`) until their sandboxes and cgroups are gone. */
  async endAll(timeoutMs = 5_000): Promise<void> {
    await this.pool.drain();
    const entries = [...this.entries.values()];
    for (const e of entries) this.end(e.session.id);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.allSettled([...this.cleanups]), timeout]);
    clearTimeout(timer);
  }

  /**
   * Throws when a cap is reached. A learner at their own cap, or when the class is full, first
   * gives up their least recently used detached sandbox: moving on to the next lesson always works.
   */
  private checkCaps({ learner, client }: Requester): void {
    const fromClient =
      [...this.entries.values()].filter((e) => e.session.client === client).length +
      this.starting.filter((r) => r.client === client).length;
    if (fromClient >= this.opts.maxSessionsPerClient) {
      throw new ClientLimitError(
        `${fromClient} sandboxes are open from your network address (${client}), the most one address may have ` +
          '(BYHAND_MAX_SESSIONS_PER_CLIENT, a flood guard); if a whole class shares this address, ask the admin to raise it',
      );
    }
    const mine = () => this.ofLearner(learner).length + this.starting.filter((r) => r.learner === learner).length;
    // The pool's sandboxes take no place a learner asks for: it stops refilling, or drops one it was making.
    const full = () => this.inUse() >= this.opts.maxSessions;
    while (mine() >= this.opts.maxSessionsPerLearner || (full() && mine() > 0)) {
      if (!this.evictLeastRecentlyUsed(learner)) break;
    }
    if (full()) {
      throw new CapacityError(
        `the class is full: all ${this.opts.maxSessions} sandboxes are in use; try again when a learner leaves, ` +
          'or raise BYHAND_MAX_SESSIONS if the machine has room',
      );
    }
    if (mine() >= this.opts.maxSessionsPerLearner) {
      throw new LearnerLimitError(
        `you already have ${mine()} sandboxes open and in use, the most one learner may have ` +
          '(BYHAND_MAX_SESSIONS_PER_LEARNER): close another lesson\'s tab, or end one of them here',
        this.list(learner),
      );
    }
  }

  /** Ends the learner's detached sandbox that was used longest ago; false when all are in use. */
  private evictLeastRecentlyUsed(learner: string): boolean {
    const [oldest] = this.ofLearner(learner)
      .filter((e) => !e.session.attached)
      .sort((a, b) => a.detachedAt - b.detachedAt);
    if (!oldest) return false;
    this.opts.log('session expired', { id: oldest.session.id, reason: 'its learner opened another lesson at their cap' });
    this.end(oldest.session.id);
    return true;
  }

  /** The learner opened another lesson: their detached sandboxes now get the leave grace only. */
  private movedOn(learner: string): void {
    for (const entry of this.ofLearner(learner)) {
      if (entry.left || entry.session.attached) continue;
      // Counted from when it was detached: one left alone long enough ends now.
      entry.left = true;
      this.scheduleIdle(entry);
    }
  }

  /** A detached session ends after the idle timeout, or after the leave grace once its learner left it. */
  private scheduleIdle(entry: Entry): void {
    this.clearIdle(entry);
    const { id } = entry.session;
    const wait = entry.left
      ? Math.max(0, entry.detachedAt + this.opts.leaveGraceMs - performance.now())
      : this.opts.idleTimeoutMs;
    const reason = entry.left ? 'its learner left it for another lesson or closed the page' : 'idle timeout: no terminal attached';
    entry.idle = setTimeout(() => this.timeUp(id, reason), wait);
  }

  private clearIdle(entry: Entry): void {
    if (entry.idle) clearTimeout(entry.idle);
    entry.idle = null;
  }

  /** Learners' sandboxes, and those being started for them. */
  private inUse(): number {
    return this.entries.size + this.starting.length;
  }

  private ofLearner(learner: string): Entry[] {
    return [...this.entries.values()].filter((e) => e.session.learner === learner);
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
