/** The session table: creates sandboxes, hands out single-use tokens, ends sessions. */
import { randomBytes } from 'node:crypto';
import { UidRangeAllocator, type UidRange } from '@byhand/runtime';
import type { Logger } from './log.js';
import { Session } from './session.js';
import { spawnSandbox } from './sandbox.js';
import { digest, matchesDigest, newToken } from './tokens.js';

export const TOKEN_TTL_MS = 60_000;

export interface SessionTableOptions {
  /** Root filesystem of the lab image. */
  rootfs: string;
  maxSessions: number;
  /** How long a token stays valid; a session nobody attached to by then is ended. */
  tokenTtlMs: number;
  log: Logger;
}

/** The agent is full: the caller should answer 503 and the client may retry later. */
export class CapacityError extends Error {}

/** The sandbox could not be started at all (the runtime or the lab image is broken). */
export class SandboxStartError extends Error {}

export type Claim = { ok: true; session: Session } | { ok: false; reason: 'unknown-session' | 'bad-token' };

interface Entry {
  session: Session;
  /** Digest of the attach token; null once it has been used. */
  tokenDigest: Buffer | null;
  expiry: NodeJS.Timeout;
}

export class SessionTable {
  private readonly entries = new Map<string, Entry>();
  private readonly uids = new UidRangeAllocator();
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
  create(lesson: string): { session: Session; token: string } {
    if (this.entries.size >= this.opts.maxSessions) {
      throw new CapacityError(
        `all ${this.opts.maxSessions} sandboxes are in use; try again when a learner leaves, ` +
          'or raise BYHAND_MAX_SESSIONS if the machine has room',
      );
    }
    const ids = this.allocateIds();
    const id = randomBytes(8).toString('hex');
    let session: Session;
    try {
      const pty = spawnSandbox({ name: `lab-${id.slice(0, 12)}`, rootfs: this.opts.rootfs, ids });
      session = new Session(id, lesson, pty);
    } catch (err) {
      this.uids.release(ids);
      throw new SandboxStartError(`could not start a sandbox: ${(err as Error).message}`);
    }
    const token = newToken();
    const expiry = setTimeout(() => this.expire(id), this.opts.tokenTtlMs);
    this.entries.set(id, { session, tokenDigest: digest(token), expiry });
    this.created++;
    this.opts.log('session created', { id, lesson, pid: session.pid });
    void session.exited.then((code) => {
      this.uids.release(ids);
      this.opts.log('session ended', { id, exit: code });
    });
    return { session, token };
  }

  /** Checks and uses up the session's token; a token works once. */
  claim(id: string, token: string): Claim {
    const entry = this.entries.get(id);
    if (!entry) return { ok: false, reason: 'unknown-session' };
    if (!entry.tokenDigest || !matchesDigest(token, entry.tokenDigest)) return { ok: false, reason: 'bad-token' };
    entry.tokenDigest = null;
    return { ok: true, session: entry.session };
  }

  /** Kills the session's sandbox and forgets it; false when there was no such session. */
  end(id: string): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    clearTimeout(entry.expiry);
    this.entries.delete(id);
    entry.session.kill();
    return true;
  }

  /** Ends every session and waits (up to `timeoutMs`) until their sandboxes are gone. */
  async endAll(timeoutMs = 5_000): Promise<void> {
    const sessions = [...this.entries.values()].map((e) => e.session);
    for (const s of sessions) this.end(s.id);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all(sessions.map((s) => s.exited)), timeout]);
    clearTimeout(timer);
  }

  private allocateIds(): UidRange {
    try {
      return this.uids.allocate();
    } catch (err) {
      throw new CapacityError(`no free uid range for another sandbox: ${(err as Error).message}`);
    }
  }

  private expire(id: string): void {
    const entry = this.entries.get(id);
    if (!entry || entry.session.attached) return;
    this.opts.log('session expired', { id, reason: 'nobody attached in time' });
    this.end(id);
  }
}
