/** The agent's own standing with the kernel's OOM killer. */
import { writeFileSync } from 'node:fs';
import type { Logger } from './log.js';

/** Not -1000 (never): an agent leaking memory must still be stoppable by the kernel. */
export const AGENT_OOM_SCORE_ADJ = -900;

/**
 * Makes the agent the OOM killer's last choice; sandboxes raise theirs (SANDBOX_OOM_SCORE_ADJ),
 * which their processes cannot lower again. Needs root; logged, not fatal, when refused.
 */
export function protectFromOomKiller(log: Logger): void {
  try {
    writeFileSync('/proc/self/oom_score_adj', String(AGENT_OOM_SCORE_ADJ));
  } catch (err) {
    log('warning', { message: `the agent is not protected from the OOM killer: ${(err as Error).message}` });
  }
}
