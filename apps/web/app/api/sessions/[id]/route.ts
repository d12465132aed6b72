import { AgentError, deleteAgentSession } from '../../../../lib/agent';
import { clientAddressOf, learnerOf } from '../../../../lib/learner';
import { problem, SESSION_ID } from '../answer';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** DELETE -> 204: ends one of this learner's sandboxes (the "End" button when they are at their cap). */
export async function DELETE(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const learner = learnerOf(request);
  const { id } = await params;
  if (!SESSION_ID.test(id)) return problem(learner, 400, 'That is not the id of a session this site gave you.');
  try {
    await deleteAgentSession(id, { learner: learner.signed, client: clientAddressOf(request) });
    return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } });
  } catch (err) {
    if (err instanceof AgentError) return problem(learner, err.status, err.message);
    console.error('DELETE /api/sessions/<id> failed:', err);
    return problem(learner, 500, `Could not end that sandbox: ${(err as Error).message}`);
  }
}
