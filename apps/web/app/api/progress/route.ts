import { AgentError, agentProgress } from '../../../lib/agent';
import { clientAddressOf, learnerOf } from '../../../lib/learner';
import { answer, problem } from '../sessions/answer';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** GET -> 200 {"lessons":{"<slug>":["<check id>",…]}}: the checks the agent saw pass for this learner. */
export async function GET(request: Request): Promise<Response> {
  const learner = learnerOf(request);
  try {
    return answer(learner, 200, { lessons: await agentProgress({ learner: learner.signed, client: clientAddressOf(request) }) });
  } catch (err) {
    if (err instanceof AgentError) return problem(learner, err.status, err.message);
    console.error('GET /api/progress failed:', err);
    return problem(learner, 500, `Could not read your progress: ${(err as Error).message}`);
  }
}
