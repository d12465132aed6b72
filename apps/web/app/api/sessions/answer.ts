/** JSON answers of the session and progress routes, with the learner's cookie when it is new. */
import type { Learner } from '../../../lib/learner';

/** Session ids come from the agent; anything else is refused before it reaches a URL path. */
export const SESSION_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function answer(learner: Learner, status: number, body: unknown, cookies: string[] = []): Response {
  const headers = new Headers({ 'cache-control': 'no-store' });
  for (const cookie of [learner.setCookie, ...cookies]) if (cookie) headers.append('set-cookie', cookie);
  return Response.json(body, { status, headers });
}

export function problem(learner: Learner, status: number, message: string, fields: Record<string, unknown> = {}): Response {
  return answer(learner, status, { ...fields, error: message });
}
