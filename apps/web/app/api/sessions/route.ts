import {
  AgentError,
  createAgentSession,
  deleteAgentSession,
  renewToken,
  terminalUrl,
  type BrowserSession,
} from '../../../lib/agent';
import { isLessonSlug, lessonsDir, readLesson } from '../../../lib/lessons';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Session ids come from the agent; anything else is refused before it reaches a URL path. */
const SESSION_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * POST {"lesson", "resume"?: id, "replace"?: id} -> 201 {"id","token","wsUrl","resumed"}.
 * `resume` reattaches to the browser's session (a new one when it has ended); `replace` ends it
 * and starts a fresh sandbox (the Restart button); neither starts a new one.
 */
export async function POST(request: Request): Promise<Response> {
  let body: Record<string, unknown> | null;
  try {
    body = (await request.json()) as Record<string, unknown> | null;
  } catch {
    return problem(400, 'The body must be JSON like {"lesson":"02-namespaces"}.');
  }
  const lesson = body?.lesson;
  if (typeof lesson !== 'string' || !isLessonSlug(lesson)) {
    return problem(400, '"lesson" must be a lesson slug: lowercase letters, digits and dashes, like "02-namespaces".');
  }
  for (const key of ['resume', 'replace'] as const) {
    const v = body?.[key];
    if (v !== undefined && (typeof v !== 'string' || !SESSION_ID.test(v))) {
      return problem(400, `"${key}" must be the id of a session this site gave you.`);
    }
  }
  try {
    if (!(await readLesson(lesson, lessonsDir()))) return problem(404, `There is no lesson called "${lesson}".`);
    const { resume, replace } = body as { resume?: string; replace?: string };
    if (replace) await deleteAgentSession(replace);
    const renewed = resume && !replace ? await renewToken(resume) : null;
    const session = renewed ?? (await createAgentSession(lesson));
    const answer: BrowserSession = { ...session, wsUrl: terminalUrl(session, request.headers.get('host')), resumed: renewed !== null };
    return Response.json(answer, { status: 201, headers: { 'cache-control': 'no-store' } });
  } catch (err) {
    if (err instanceof AgentError) return problem(err.status, err.message);
    console.error('POST /api/sessions failed:', err);
    return problem(500, `Could not create a session: ${(err as Error).message}`);
  }
}

function problem(status: number, message: string): Response {
  return Response.json({ error: message }, { status, headers: { 'cache-control': 'no-store' } });
}
