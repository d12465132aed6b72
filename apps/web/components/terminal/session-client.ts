import type { LearnerSession } from '@byhand/protocol';

/**
 * The browser's handle on its sandbox for one lesson. It remembers the session id in
 * sessionStorage so a reload (or a dropped connection) reattaches to the same shell, and gets a
 * fresh single-use token from the site for every connection.
 */

export interface Attachment {
  id: string;
  /** The terminal WebSocket URL, token included, for terminal "1". */
  wsUrl: string;
  /** False when the old session had ended and this is a new sandbox. */
  resumed: boolean;
}

const storageKey = (lesson: string) => `byhand:session:${lesson}`;

/**
 * The site refused a sandbox for a reason the learner must act on: `code` "learner-limit" comes
 * with their open `sessions`; "access-code" asks for the class's code.
 */
export class SessionRefused extends Error {
  override name = 'SessionRefused';
  constructor(
    message: string,
    readonly code: string | null,
    readonly sessions: LearnerSession[],
  ) {
    super(message);
  }
}

/** Ends one of this learner's sandboxes (from the list shown when they are at their cap). */
export async function endSession(id: string): Promise<void> {
  const res = await fetch(`/api/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: unknown } | null;
    throw new Error(typeof body?.error === 'string' ? body.error : `Ending that sandbox failed (HTTP ${res.status}).`);
  }
}

export class SessionClient {
  private queue: Promise<unknown> = Promise.resolve();
  private replaceNext = false;
  private accessCode: string | null = null;

  constructor(readonly lesson: string) {}

  /** The session id this tab last used, if any. */
  get id(): string | null {
    try {
      return sessionStorage.getItem(storageKey(this.lesson));
    } catch {
      return null;
    }
  }

  /**
   * A token for (re)attaching to this tab's session, or a new session when there is none (or it
   * has ended). Calls run one at a time, so two terminals never create two sessions.
   */
  attach(signal: AbortSignal): Promise<Attachment> {
    const next = this.queue.then(() => this.request(signal));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The next attach ends the current sandbox and starts a fresh one. */
  replaceOnNextAttach(): void {
    this.replaceNext = true;
  }

  /** The class's code the learner typed, for the next new sandbox; the site keeps it from then on. */
  useAccessCode(code: string): void {
    this.accessCode = code;
  }

  /** The shell exited: the session is over, a reload should not try to resume it. */
  forget(id: string): void {
    try {
      if (sessionStorage.getItem(storageKey(this.lesson)) === id) sessionStorage.removeItem(storageKey(this.lesson));
    } catch {
      // Storage disabled: nothing was remembered.
    }
  }

  private async request(signal: AbortSignal): Promise<Attachment> {
    const previous = this.id;
    const body: Record<string, string> = { lesson: this.lesson };
    if (previous && this.replaceNext) body.replace = previous;
    else if (previous) body.resume = previous;
    if (this.accessCode !== null) body.accessCode = this.accessCode;
    let res: Response;
    try {
      res = await fetch('/api/sessions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw err;
      throw new Error(`Could not reach this site to start a sandbox: ${(err as Error).message}`);
    }
    const answer = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (!res.ok) {
      throw new SessionRefused(
        typeof answer?.error === 'string' ? answer.error : `Starting a sandbox failed (HTTP ${res.status}).`,
        typeof answer?.code === 'string' ? answer.code : null,
        Array.isArray(answer?.sessions) ? (answer.sessions as LearnerSession[]) : [],
      );
    }
    if (!answer || typeof answer.id !== 'string' || typeof answer.wsUrl !== 'string') {
      throw new Error('The site answered without a session id and WebSocket URL.');
    }
    this.replaceNext = false;
    this.accessCode = null;
    try {
      sessionStorage.setItem(storageKey(this.lesson), answer.id);
    } catch {
      // Storage disabled: the session works, a reload just starts a new one.
    }
    return { id: answer.id, wsUrl: answer.wsUrl, resumed: answer.resumed === true };
  }
}

/** The WebSocket URL of terminal `terminal` (the main one needs no parameter). */
export function terminalSocketUrl(wsUrl: string, terminal: string): string {
  if (terminal === '1') return wsUrl;
  const url = new URL(wsUrl);
  url.searchParams.set('terminal', terminal);
  return url.toString();
}
