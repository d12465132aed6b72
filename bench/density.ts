/**
 * Density: how many idle sessions fit before an active session's p95 echo latency passes
 * 50 ms, and what an idle session costs in memory.
 */
import { readFileSync } from 'node:fs';
import { ms, percentile, startAgent, table } from './lib.ts';
import { agentTerm, echoLatencies, type Term } from './terminal.ts';

const STEP = 25;
const MAX_SESSIONS = Number(process.env.BYHAND_BENCH_MAX_SESSIONS ?? 200);
const LATENCY_LIMIT_MS = 50;

function memAvailableMiB(): number {
  const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return Number(m![1]) / 1024;
}

export async function benchDensity(): Promise<string> {
  const agent = await startAgent({ BYHAND_MAX_SESSIONS: String(MAX_SESSIONS + 10) });
  const idle: Term[] = [];
  const rows: string[][] = [];
  try {
    const active = await agentTerm(agent);
    const memStart = memAvailableMiB();
    let fitted = 0;
    while (idle.length < MAX_SESSIONS) {
      for (let i = 0; i < STEP; i++) idle.push(await agentTerm(agent));
      await new Promise((r) => setTimeout(r, 2000)); // let the new shells settle into idleness
      const p95 = percentile(await echoLatencies(active, 60), 95);
      const perSession = (memStart - memAvailableMiB()) / idle.length;
      rows.push([String(idle.length), ms(p95), `${perSession.toFixed(1)} MiB`]);
      if (p95 > LATENCY_LIMIT_MS) break;
      fitted = idle.length;
    }
    rows.push([`fits: ${fitted}${fitted === MAX_SESSIONS ? '+' : ''}`, `limit ${LATENCY_LIMIT_MS} ms`, 'target: 200 sessions']);
    return table('Density (idle sessions beside one active session)', ['idle sessions', 'active p95 echo', 'memory per idle session'], rows);
  } finally {
    for (const t of idle) t.close();
    await agent.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchDensity();
  process.exit(0);
}
