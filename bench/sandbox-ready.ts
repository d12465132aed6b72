/**
 * Sandbox ready: from POST /v1/sessions to the first byte of the shell's prompt on the
 * WebSocket, through the real agent and runtime, one session at a time and 50 at once.
 */
import WebSocket from 'ws';
import { ms, percentile, startAgent, table, type RunningAgent } from './lib.ts';

async function oneSession(agent: RunningAgent): Promise<number> {
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
  await fetch(`${agent.base}/v1/sessions/${id}`, { method: 'DELETE', headers: agent.headers(learner) });
  ws.close();
  return elapsed;
}

export async function benchSandboxReady(): Promise<string> {
  const agent = await startAgent();
  try {
    await oneSession(agent); // warm the page cache and the agent's code paths
    const serial: number[] = [];
    for (let i = 0; i < 20; i++) serial.push(await oneSession(agent));
    const concurrent = await Promise.all(Array.from({ length: 50 }, () => oneSession(agent)));
    return table('Sandbox ready (POST /v1/sessions to the first prompt byte)', ['load', 'runs', 'p50', 'p95', 'target'], [
      ['1 session at a time', String(serial.length), ms(percentile(serial, 50)), ms(percentile(serial, 95)), 'p50 < 100 ms'],
      ['50 at once', String(concurrent.length), ms(percentile(concurrent, 50)), ms(percentile(concurrent, 95)), 'p95 < 300 ms'],
    ]);
  } finally {
    await agent.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchSandboxReady();
