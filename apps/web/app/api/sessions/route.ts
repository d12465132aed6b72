import { AgentError, createAgentSession, terminalUrl, type BrowserSession } from '../../../lib/agent';
import { isLessonSlug, lessonsDir, readLesson } from '../../../lib/lessons';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** POST {"lesson": slug} -> 201 {"id","token","wsUrl"}: a fresh sandbox for that lesson. */
export async function POST(request: Request): Promise<Response> {
  let lesson: unknown;
  try {
    lesson = ((await request.json()) as Record<string, unknown> | null)?.lesson;
  } catch {
    return problem(400, 'The body must be JSON like {"lesson":"02-namespaces"}.');
  }
  if (typeof lesson !== 'string' || !isLessonSlug(lesson)) {
    return problem(400, '"lesson" must be a lesson slug: lowercase letters, digits and dashes, like "02-namespaces".');
  }
  try {
    if (!(await readLesson(lesson, lessonsDir()))) return problem(404, `There is no lesson called "${lesson}".`);
    const session = await createAgentSession(lesson);
    const body: BrowserSession = { ...session, wsUrl: terminalUrl(session, request.headers.get('host')) };
    return Response.json(body, { status: 201, headers: { 'cache-control': 'no-store' } });
  } catch (err) {
    if (err instanceof AgentError) return problem(err.status, err.message);
    console.error('POST /api/sessions failed:', err);
    return problem(500, `Could not create a session: ${(err as Error).message}`);
  }
}

function problem(status: number, message: string): Response {
  return Response.json({ error: message }, { status, headers: { 'cache-control': 'no-store' } });
}
