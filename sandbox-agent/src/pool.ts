/**
 * Sandboxes made ahead of time, so a class opening lesson 1 in the same minute gets its prompts
 * at once instead of queueing behind each other's start-up (two cores build about 40 sandboxes a
 * second). A pooled sandbox belongs to no one and has never had a terminal attached: it is handed
 * out once (Session.assign) and never comes back; an ended sandbox is never reused.
 */
import type { Logger } from './log.js';
import type { Session } from './session.js';

/** Below this much available memory the pool is off by default: learners' own sandboxes come first. */
export const POOL_MEMORY_FLOOR = 2 * 1024 ** 3;
/** The default pool: enough for the first rush of a class, when memory is not tight. */
export const DEFAULT_POOL_SIZE = 10;

/**
 * BYHAND_POOL_SIZE left unset: 10 (at most the class), none when memory is tight, and none where
 * each sandbox needs a scratch disk, which a waiting sandbox would hold (BYHAND_UPPER_SIZE each).
 */
export function defaultPoolSize(maxSessions: number, availableBytes: number, scratchDisks: boolean): number {
  return availableBytes < POOL_MEMORY_FLOOR || scratchDisks ? 0 : Math.min(DEFAULT_POOL_SIZE, maxSessions);
}

/** The pool refills once no learner has asked for a sandbox for this long: a rush comes first. */
export const REFILL_QUIET_MS = 250;

export interface PoolOptions {
  /** Makes one unassigned sandbox, its clean-up already tied to its exit. */
  make: () => Promise<Session>;
  /** Whether the agent's caps leave room for one more sandbox, counting the pool's own. */
  room: () => boolean;
  log: Logger;
}

export class SandboxPool {
  private readonly ready: Session[] = [];
  /** Sandboxes being made for the pool right now. */
  private making = 0;
  private closed = false;
  private filling: Promise<void> | null = null;
  /** How many ready sandboxes to keep; 0 (until start): none. */
  private size = 0;
  /** When a learner last asked (epoch ms), and the timer that refills once they stop. */
  private lastTake = 0;
  private quietTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: PoolOptions) {}

  /** Sandboxes waiting for a learner, shell up. */
  get readyCount(): number {
    return this.ready.length;
  }

  /** Sandboxes being made for the pool: a learner may take their place meanwhile (see fill). */
  get makingCount(): number {
    return this.making;
  }

  /** A ready sandbox, or null when there is none; the pool tops itself up once the rush is over. */
  take(): Session | null {
    this.lastTake = Date.now();
    this.refillWhenQuiet();
    return this.ready.shift() ?? null;
  }

  private get rushing(): boolean {
    return Date.now() - this.lastTake < REFILL_QUIET_MS;
  }

  private refillWhenQuiet(): void {
    if (this.closed || this.quietTimer !== undefined) return;
    this.quietTimer = setTimeout(() => {
      this.quietTimer = undefined;
      if (this.rushing) this.refillWhenQuiet();
      else this.refill();
    }, Math.max(0, this.lastTake + REFILL_QUIET_MS - Date.now()));
  }

  start(size: number): void {
    this.size = size;
    this.refill();
  }

  /** Tops the pool up (also when a sandbox ended and made room), one sandbox at a time, so learners' own starts get the CPU first. */
  refill(): void {
    if (this.filling || this.closed || this.size === 0) return;
    this.filling = this.fill().finally(() => {
      this.filling = null;
    });
  }

  /** Ends the pool's sandboxes and makes no more (the agent is shutting down). */
  async drain(): Promise<void> {
    this.closed = true;
    clearTimeout(this.quietTimer);
    await this.filling;
    for (const session of this.ready.splice(0)) session.kill();
  }

  private async fill(): Promise<void> {
    while (!this.closed && this.ready.length + this.making < this.size && this.opts.room()) {
      // Learners are asking again: their starts come first, the next quiet moment resumes the refill.
      if (this.rushing) return this.refillWhenQuiet();
      const session = await this.makeOne();
      // A failure is logged once per refill: a broken runtime must not make the agent spin.
      if (!session) return;
      // A learner may have come while it was made and taken the place it was meant for.
      if (this.closed || !this.opts.room()) {
        session.kill();
        return;
      }
      this.ready.push(session);
      void session.exited.then(() => {
        const at = this.ready.indexOf(session);
        if (at >= 0) this.ready.splice(at, 1);
        this.refill();
      });
    }
  }

  /** One sandbox whose shell is up, or null (logged) when it could not be made. */
  private async makeOne(): Promise<Session | null> {
    this.making++;
    try {
      const session = await this.opts.make();
      if ((await session.initPid()) !== null) return session;
      session.kill();
      throw new Error('its shell did not start');
    } catch (err) {
      this.opts.log('warning', { message: `the pool could not make a sandbox ahead: ${(err as Error).message}` });
      return null;
    } finally {
      this.making--;
    }
  }
}
