/**
 * The wire protocol between the browser, the web server and the sandbox agent.
 * Binary WebSocket frames carry terminal bytes; text frames carry one JSON message each.
 * See ARCHITECTURE.md, "Wire protocol".
 */

export type ClientMessage =
  | { type: 'resize'; cols: number; rows: number }
  | { type: 'ack'; bytes: number }
  | { type: 'check'; id: string };

export type AgentMessage =
  | { type: 'ready' }
  | { type: 'snapshot'; data: string; cols: number; rows: number }
  | { type: 'check'; id: string; ok: boolean; message: string }
  | { type: 'trace'; event: Record<string, unknown> }
  | { type: 'exit'; code: number }
  | { type: 'error'; code: string; message: string };

/** POST /v1/sessions request body. */
export interface CreateSessionRequest {
  lesson: string;
}

/** POST /v1/sessions answer (201). */
export interface CreateSessionResponse {
  id: string;
  token: string;
}

/** POST /v1/sessions/<id>/tokens answer (201): a new single-use token to (re)attach. */
export interface CreateTokenResponse {
  token: string;
}

/** One of a learner's sandboxes: GET /v1/sessions answers {"sessions": LearnerSession[]}, oldest first. */
export interface LearnerSession {
  id: string;
  lesson: string;
  /** ISO time it started. */
  createdAt: string;
  /** A terminal of it is open right now. */
  attached: boolean;
}

/** Every HTTP error the agent answers has this body. */
export interface ErrorResponse {
  error: string;
}

/**
 * The site calls the agent on the browser's behalf, so it names the browser's address in this
 * header; the agent counts sessions per client by it (by the caller's address without it).
 */
export const CLIENT_HEADER = 'X-Byhand-Client';

/**
 * Terminals of one session, the `terminal` query parameter of the tty WebSocket:
 * "1" is the session's main shell, "2" a second shell in the same sandbox.
 */
export const TERMINALS = ['1', '2'] as const;
export type TerminalId = (typeof TERMINALS)[number];

/** WebSocket close code sent to a terminal's older connection when a newer one attaches. */
export const CLOSE_REPLACED = 4000;

export const DEFAULT_AGENT_PORT = 3001;
export const MAX_TERMINAL_COLS = 1000;
export const MAX_TERMINAL_ROWS = 500;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

const fail = (code: string, message: string): ParseResult<never> => ({ ok: false, code, message });

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** Validates one text frame from a client; never throws. */
export function parseClientMessage(text: string): ParseResult<ClientMessage> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail('bad-json', 'text frames must be one JSON object, e.g. {"type":"resize","cols":80,"rows":24}');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return fail('bad-message', 'a text frame must be a JSON object with a "type"');
  }
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'resize':
      if (!isInt(m.cols, 1, MAX_TERMINAL_COLS) || !isInt(m.rows, 1, MAX_TERMINAL_ROWS)) {
        return fail('bad-resize', `resize needs integer cols 1-${MAX_TERMINAL_COLS} and rows 1-${MAX_TERMINAL_ROWS}`);
      }
      return { ok: true, value: { type: 'resize', cols: m.cols, rows: m.rows } };
    case 'ack':
      if (!isInt(m.bytes, 0, Number.MAX_SAFE_INTEGER)) {
        return fail('bad-ack', 'ack needs a non-negative integer "bytes"');
      }
      return { ok: true, value: { type: 'ack', bytes: m.bytes } };
    case 'check':
      if (typeof m.id !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(m.id)) {
        return fail('bad-check', 'check needs an "id" of lowercase letters, digits and dashes');
      }
      return { ok: true, value: { type: 'check', id: m.id } };
    default:
      return fail('unknown-type', `unknown message type ${JSON.stringify(m.type)}; expected resize, ack or check`);
  }
}
