/** The web server's side of session creation: ask the sandbox agent, tell the browser where to connect. */
import { CLIENT_HEADER, type CreateSessionResponse, type LearnerSession } from '@byhand/protocol';
import { agentPort, agentSecret } from '@byhand/protocol/config';
import { LEARNER_HEADER } from '@byhand/protocol/learner';

/** On whose behalf the site calls the agent: the learner (signed) and the browser's address. */
export interface OnBehalf {
  learner: string;
  client: string | null;
}

/** What POST /api/sessions returns to the browser. */
export interface BrowserSession extends CreateSessionResponse {
  wsUrl: string;
  /** True when this token reattaches to a session the browser already had. */
  resumed: boolean;
}

/** A failure to get a session, with the HTTP status the browser should see. */
export class AgentError extends Error {
  override name = 'AgentError';
  constructor(
    readonly status: number,
    message: string,
    /** What the browser can act on, e.g. {"code":"learner-limit","sessions":[…]}. */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

// Creating a session starts a sandbox; allow for a slow first start but not a hung agent.
const AGENT_TIMEOUT_MS = 15_000;

export function agentBaseUrl(): string {
  return (process.env.BYHAND_AGENT_URL ?? `http://127.0.0.1:${agentPort()}`).replace(/\/+$/, '');
}

/** A new sandbox for `lesson`; `accessCode` is the class's code, when the learner gave one. */
export async function createAgentSession(lesson: string, who: OnBehalf, accessCode: string | null = null): Promise<CreateSessionResponse> {
  const res = await callAgent('POST', '/v1/sessions', who, accessCode === null ? { lesson } : { lesson, accessCode });
  const body = await res.text();
  if (res.status === 201) return parseSession(body);
  throw refusal(res, body);
}

/** A new single-use token for the learner's session, or null when they no longer have it. */
export async function renewToken(id: string, who: OnBehalf): Promise<CreateSessionResponse | null> {
  const res = await callAgent('POST', `/v1/sessions/${encodeURIComponent(id)}/tokens`, who);
  const body = await res.text();
  if (res.status === 404) return null;
  if (res.status !== 201) throw refusal(res, body);
  return parseSession(JSON.stringify({ ...parseJson(body), id }));
}

/** Ends one of the learner's sessions; one that is already gone (or not theirs) is fine. */
export async function deleteAgentSession(id: string, who: OnBehalf): Promise<void> {
  const res = await callAgent('DELETE', `/v1/sessions/${encodeURIComponent(id)}`, who);
  const body = await res.text();
  if (!res.ok && res.status !== 404) throw refusal(res, body);
}

/** The learner's open sandboxes. */
export async function listAgentSessions(who: OnBehalf): Promise<LearnerSession[]> {
  const res = await callAgent('GET', '/v1/sessions', who);
  const body = await res.text();
  if (res.status !== 200) throw refusal(res, body);
  const sessions = parseJson(body).sessions;
  return Array.isArray(sessions) ? (sessions as LearnerSession[]) : [];
}

/** The checks the agent saw pass for this learner, by lesson. */
export async function agentProgress(who: OnBehalf): Promise<Record<string, string[]>> {
  const res = await callAgent('GET', '/v1/progress', who);
  const body = await res.text();
  if (res.status !== 200) throw refusal(res, body);
  const lessons = parseJson(body).lessons;
  return typeof lessons === 'object' && lessons !== null ? (lessons as Record<string, string[]>) : {};
}

async function callAgent(method: string, route: string, who: OnBehalf, json?: unknown): Promise<Response> {
  const base = agentBaseUrl();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    authorization: `Bearer ${agentSecret()}`,
    [LEARNER_HEADER]: who.learner,
  };
  if (who.client) headers[CLIENT_HEADER] = who.client;
  try {
    return await fetch(`${base}${route}`, {
      method,
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
      cache: 'no-store',
      signal: AbortSignal.timeout(AGENT_TIMEOUT_MS),
    });
  } catch (err) {
    throw new AgentError(
      503,
      `The sandbox agent is not reachable at ${base} (${describe(err)}). ` +
        'Start it with "npm start" from the repository root, or set BYHAND_AGENT_URL to where it runs.',
    );
  }
}

/** The error the browser should see when the agent said no. */
function refusal(res: Response, body: string): AgentError {
  const detail = agentMessage(body) ?? `HTTP ${res.status}`;
  const { code, sessions } = parseJson(body);
  // The learner's to fix (the class's code), unlike a secret the two servers do not share.
  if (res.status === 403 && code === 'access-code') return new AgentError(403, capitalised(detail), { code });
  if (res.status === 401 || res.status === 403) {
    return new AgentError(
      502,
      `The sandbox agent refused the web server's credentials (${detail}). ` +
        'Both must share one secret: set the same BYHAND_AGENT_SECRET, or the same BYHAND_STATE_DIR, for both.',
    );
  }
  if (res.status === 503) return new AgentError(503, `The sandbox agent cannot start a sandbox right now: ${detail}`);
  if (res.status === 429) {
    return new AgentError(429, capitalised(detail), code === undefined ? {} : { code, sessions });
  }
  return new AgentError(502, `The sandbox agent answered HTTP ${res.status}: ${detail}`);
}

function parseJson(body: string): Record<string, unknown> {
  try {
    const v = JSON.parse(body) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The WebSocket URL of a session's terminal: BYHAND_AGENT_PUBLIC_URL when set (e.g. behind a
 * reverse proxy), else the agent's port on the host name the browser used to reach this site.
 */
export function terminalUrl(session: CreateSessionResponse, hostHeader: string | null): string {
  return `${agentSocketBase(hostHeader)}/v1/sessions/${encodeURIComponent(session.id)}/tty?token=${encodeURIComponent(session.token)}`;
}

/** Where browsers open terminals (see terminalUrl), without the session's path. */
export function agentSocketBase(hostHeader: string | null): string {
  const publicUrl = process.env.BYHAND_AGENT_PUBLIC_URL;
  return publicUrl
    ? publicUrl.replace(/^http(s?):\/\//, 'ws$1://').replace(/\/+$/, '')
    : `ws://${hostnameOf(hostHeader)}:${agentPort()}`;
}

/** The host name part of a Host header ("example.org:3000" -> "example.org", keeps "[::1]"). */
function hostnameOf(hostHeader: string | null): string {
  if (!hostHeader) return 'localhost';
  try {
    return new URL(`http://${hostHeader}`).hostname || 'localhost';
  } catch {
    return 'localhost';
  }
}

function parseSession(body: string): CreateSessionResponse {
  try {
    const v = JSON.parse(body) as Record<string, unknown>;
    if (typeof v.id === 'string' && v.id && typeof v.token === 'string' && v.token) return { id: v.id, token: v.token };
  } catch {
    // Falls through to the error below: the body is not the JSON we expect.
  }
  throw new AgentError(502, `The sandbox agent answered 201 without {"id","token"}: ${body.slice(0, 200)}`);
}

/** The agent's own explanation from an error body ({"error": …} or {"message": …}), if any. */
function agentMessage(body: string): string | undefined {
  try {
    const v = JSON.parse(body) as Record<string, unknown>;
    for (const key of ['message', 'error']) {
      if (typeof v[key] === 'string' && v[key]) return v[key];
    }
  } catch {
    // Not JSON: use the text itself below.
  }
  return body.trim().slice(0, 300) || undefined;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? '' : '.');
}

function describe(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `no answer within ${AGENT_TIMEOUT_MS / 1000} s`;
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message ?? String(err);
}
