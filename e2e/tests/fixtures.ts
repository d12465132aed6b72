/**
 * A `test` that ends every sandbox its pages started. Sessions outlive their page (a reload must
 * reattach), so without this each test would keep its sandboxes until the agent's idle timeout
 * and the next tests would hit the per-learner cap.
 */
import { test as base } from '@playwright/test';
import { agentSecret } from '@byhand/protocol/config';
import { AGENT_PORT, EXTERNAL_SITE } from '../playwright.config.js';

export { expect } from '@playwright/test';

export const test = base.extend<{ endSessions: void }>({
  endSessions: [
    async ({ context }, use) => {
      const ids = new Set<string>();
      context.on('response', async (response) => {
        if (!response.url().endsWith('/api/sessions') || response.status() !== 201) return;
        const body = (await response.json().catch(() => null)) as { id?: unknown } | null;
        if (typeof body?.id === 'string') ids.add(body.id);
      });
      await use();
      // An external site's agent is not ours to reach; its machine is thrown away after the test.
      if (EXTERNAL_SITE) return;
      await Promise.all([...ids].map(deleteSession));
    },
    { auto: true },
  ],
});

export async function deleteSession(id: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${AGENT_PORT}/v1/sessions/${id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${agentSecret()}` },
  });
  if (!res.ok && res.status !== 404) throw new Error(`DELETE session ${id}: HTTP ${res.status} ${await res.text()}`);
}
