/**
 * Sandbox ready: from POST /v1/sessions to the first byte of the shell's prompt on the
 * WebSocket, through the real agent and runtime: one session at a time, then a class starting
 * at once, built on demand (the reference) and from a pool made ahead (pool.ts).
 */
import WebSocket from 'ws';
import { ms, percentile, startAgent, table, type RunningAgent } from './lib.ts';

/** One learner's sandbox: how long until its prompt, and how to end it (after the others, in a burst). */
async function openSession(agent: RunningAgent): Promise<{ elapsed: number; end: () => Promise<void> }> {
  const learner = agent.learner();
  const start = performance.now();
  const res = await fetch(`${agent.base}/v1/sessions`, {
    method: 'POST',
    headers: agent.headers(learner),
    body: JSON.stringify({ lesson: 'bench' }),
  });
  if (res.status !== 201) throw new Error(`POST /v1/sessions answered ${res.status}: ${await res.text()}`);
  const { id, token } = (await res.json()) as { id: string; token: string };
  const ws = new WebSocket(`${agent.wsBase}/v1/sessions/${id}/tty?token=${encodeURIComponent(token)}`);
  ws.on('unexpected-response', (_req, r) => console.error(`session ${id}: the WebSocket was refused with ${r.statusCode}`));
  let printed = '';
  const elapsed = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no prompt after 30 s; got ${JSON.stringify(printed)}`)), 30_000);
    ws.on('message', (data: Buffer, binary) => {
      // A prompt printed before the socket attached arrives inside the snapshot message.
      if (binary) printed += data.toString();
      else {
        const msg = JSON.parse(data.toString()) as { type: string; data?: string };
        if (msg.type === 'snapshot' && msg.data) printed += msg.data;
      }
      if (/# (\x1b\[[?0-9;]*[A-Za-z])*$/.test(printed)) {
        clearTimeout(timer);
        resolve(performance.now() - start);
        return;
      }
    });
    ws.on('error', reject);
  });
  const end = async () => {
    await fetch(`${agent.base}/v1/sessions/${id}`, { method: 'DELETE', headers: agent.headers(learner) });
    ws.close();
  };
  return { elapsed, end };
}

async function oneSession(agent: RunningAgent): Promise<number> {
  const { elapsed, end } = await openSession(agent);
  await end();
  return elapsed;
}

async function poolReady(agent: RunningAgent): Promise<number> {
  const text = await (await fetch(`${agent.base}/metrics`)).text();
  return Number(/^byhand_pool_ready (\d+)$/m.exec(text)?.[1] ?? NaN);
}

/** `n` learners at once, with a pool of `pool` sandboxes made ahead and filled first. */
async function burst(n: number, pool: number): Promise<number[]> {
  const agent = await startAgent({ BYHAND_POOL_SIZE: String(pool) });
  try {
    const deadline = Date.now() + 120_000;
    while ((await poolReady(agent)) < pool) {
      if (Date.now() > deadline) throw new Error(`the pool did not fill to ${pool} within 120 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await oneSession(agent); // warm the agent's code paths (the pool refills it)
    while ((await poolReady(agent)) < pool) await new Promise((r) => setTimeout(r, 100));
    // A class keeps its sandboxes: none is ended while the others are still waiting for theirs.
    const opened = await Promise.all(Array.from({ length: n }, () => openSession(agent)));
    await Promise.all(opened.map((s) => s.end()));
    return opened.map((s) => s.elapsed);
  } finally {
    await agent.stop();
  }
}

export async function benchSandboxReady(): Promise<string> {
  const agent = await startAgent();
  let serial: number[];
  try {
    await oneSession(agent); // warm the page cache and the agent's code paths
    serial = [];
    for (let i = 0; i < 20; i++) serial.push(await oneSession(agent));
  } finally {
    await agent.stop();
  }
  const rows: string[][] = [['1 session at a time, no pool', String(serial.length), ms(percentile(serial, 50)), ms(percentile(serial, 95)), 'p50 < 100 ms']];
  for (const [n, pool, target] of [[50, 0, 'reference'], [50, 50, 'p95 < 300 ms'], [200, 0, 'reference'], [200, 200, 'p95 < 1 s']] as const) {
    const runs = await burst(n, pool);
    const how = pool ? `pool of ${pool}` : 'no pool (built on demand)';
    rows.push([`${n} at once, ${how}`, String(runs.length), ms(percentile(runs, 50)), ms(percentile(runs, 95)), target]);
  }
  return table('Sandbox ready (POST /v1/sessions to the first prompt byte)', ['load', 'runs', 'p50', 'p95', 'target'], rows);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchSandboxReady();
