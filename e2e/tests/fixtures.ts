/**
 * A `test` that ends every sandbox its pages started. Sessions outlive their page (a reload must
 * reattach), so without this each test would keep its sandboxes until the agent's idle timeout
 * and the next tests would find the machine fuller than they expect.
 */
import { test as base, type BrowserContext } from '@playwright/test';
import { agentSecret } from '@byhand/protocol/config';
import { LEARNER_HEADER } from '@byhand/protocol/learner';
import { AGENT_PORT, EXTERNAL_SITE, WEB_PORT } from '../playwright.config.js';

export { expect } from '@playwright/test';

export const test = base.extend<{ endSessions: void }>({
  endSessions: [
    async ({ context }, use) => {
      const ended = trackSessions(context);
      await use();
      await ended();
    },
    { auto: true },
  ],
});

/**
 * Notes every sandbox the context's pages start; the returned function ends them all, as their
 * learner (the context's cookie): the agent ends a learner's sandboxes only for that learner.
 */
export function trackSessions(context: BrowserContext): () => Promise<void> {
  const ids = new Set<string>();
  context.on('response', async (response) => {
    // Only the main local site's: its agent is the one these ids are ended on.
    if (!response.url().startsWith(`http://127.0.0.1:${WEB_PORT}/`)) return;
    if (!response.url().endsWith('/api/sessions') || response.status() !== 201) return;
    const body = (await response.json().catch(() => null)) as { id?: unknown } | null;
    if (typeof body?.id === 'string') ids.add(body.id);
  });
  return async () => {
    // An external site's agent is not ours to reach; its machine is thrown away after the test.
    if (EXTERNAL_SITE) return;
    const learner = await learnerOf(context);
    if (learner) await Promise.all([...ids].map((id) => deleteSession(id, learner)));
  };
}

/** The context's learner, as the site's cookie holds it (signed). */
export async function learnerOf(context: BrowserContext): Promise<string | undefined> {
  return (await context.cookies()).find((c) => c.name === 'byhand_learner')?.value;
}

export function agentHeaders(learner: string): Record<string, string> {
  return { authorization: `Bearer ${agentSecret()}`, [LEARNER_HEADER]: learner };
}

export async function deleteSession(id: string, learner: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${AGENT_PORT}/v1/sessions/${id}`, { method: 'DELETE', headers: agentHeaders(learner) });
  if (!res.ok && res.status !== 404) throw new Error(`DELETE session ${id}: HTTP ${res.status} ${await res.text()}`);
}

/** The learner's sandboxes as the agent holds them. */
export async function agentSessions(learner: string): Promise<{ id: string; lesson: string; attached: boolean }[]> {
  const res = await fetch(`http://127.0.0.1:${AGENT_PORT}/v1/sessions`, { headers: agentHeaders(learner) });
  if (!res.ok) throw new Error(`GET /v1/sessions: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { sessions: { id: string; lesson: string; attached: boolean }[] }).sessions;
}
