import {
  AgentError,
  createAgentSession,
  deleteAgentSession,
  listAgentSessions,
  renewToken,
  terminalUrl,
  type BrowserSession,
  type OnBehalf,
} from '../../../lib/agent';
import { accessCodeCookie, MAX_ACCESS_CODE_LENGTH, savedAccessCode } from '../../../lib/access-code';
import { clientAddressOf, learnerOf } from '../../../lib/learner';
import { isLessonSlug, lessonsDir, readLesson } from '../../../lib/lessons';
import { answer, problem, SESSION_ID } from './answer';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * POST {"lesson", "resume"?: id, "replace"?: id, "accessCode"?: code} -> 201 {"id","token","wsUrl","resumed"}.
 * `resume` reattaches to the browser's session (a new one when it has ended); `replace` ends it
 * and starts a fresh sandbox (the Restart button); neither starts a new one. Sessions are the
 * learner's (the cookie's): another learner's id resumes nothing. A new sandbox brings the class's
 * access code: the one in the body (then kept in a cookie once the agent took it) or the cookie's.
 */
export async function POST(request: Request): Promise<Response> {
  const learner = learnerOf(request);
  let body: Record<string, unknown> | null;
  try {
    body = (await request.json()) as Record<string, unknown> | null;
  } catch {
    return problem(learner, 400, 'The body must be JSON like {"lesson":"02-namespaces"}.');
  }
  const lesson = body?.lesson;
  if (typeof lesson !== 'string' || !isLessonSlug(lesson)) {
    return problem(learner, 400, '"lesson" must be a lesson slug: lowercase letters, digits and dashes, like "02-namespaces".');
  }
  for (const key of ['resume', 'replace'] as const) {
    const v = body?.[key];
    if (v !== undefined && (typeof v !== 'string' || !SESSION_ID.test(v))) {
      return problem(learner, 400, `"${key}" must be the id of a session this site gave you.`);
    }
  }
  const typed = body?.accessCode;
  if (typed !== undefined && (typeof typed !== 'string' || typed.length === 0 || typed.length > MAX_ACCESS_CODE_LENGTH)) {
    return problem(learner, 400, `"accessCode" must be the class's code as text, 1 to ${MAX_ACCESS_CODE_LENGTH} characters.`);
  }
  const accessCode = typed ?? savedAccessCode(request);
  const who: OnBehalf = { learner: learner.signed, client: clientAddressOf(request) };
  try {
    if (!(await readLesson(lesson, lessonsDir()))) return problem(learner, 404, `There is no lesson called "${lesson}".`);
    const { resume, replace } = body as { resume?: string; replace?: string };
    if (replace) await deleteAgentSession(replace, who);
    const renewed = resume && !replace ? await renewToken(resume, who) : null;
    const session = renewed ?? (await createAgentSession(lesson, who, accessCode));
    const result: BrowserSession = { ...session, wsUrl: terminalUrl(session, request.headers.get('host')), resumed: renewed !== null };
    // A code the agent took is kept, so the learner types it once for the whole course.
    return answer(learner, 201, result, typeof typed === 'string' && !renewed ? [accessCodeCookie(request, typed)] : []);
  } catch (err) {
    return failed(learner, 'POST', err);
  }
}

/** GET -> 200 {"sessions":[{"id","lesson","createdAt","attached"}]}: this learner's open sandboxes. */
export async function GET(request: Request): Promise<Response> {
  const learner = learnerOf(request);
  try {
    const sessions = await listAgentSessions({ learner: learner.signed, client: clientAddressOf(request) });
    return answer(learner, 200, { sessions });
  } catch (err) {
    return failed(learner, 'GET', err);
  }
}

function failed(learner: ReturnType<typeof learnerOf>, method: string, err: unknown): Response {
  if (err instanceof AgentError) return problem(learner, err.status, err.message, err.fields);
  console.error(`${method} /api/sessions failed:`, err);
  return problem(learner, 500, `Could not reach your sandboxes: ${(err as Error).message}`);
}
