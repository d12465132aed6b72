/**
 * Terminal latency and throughput: a keystroke's round trip and the bytes per second of a large
 * `cat`, through the real agent and WebSocket, beside the same shell on a raw pty (no agent).
 */
import { readFileSync } from 'node:fs';
import * as pty from 'node-pty';
import WebSocket from 'ws';
import { ms, percentile, startAgent, table, type RunningAgent } from './lib.ts';
import { startWetty } from './wetty.ts';

const KEYSTROKES = 300;
const CAT_BYTES = 32 * 1024 * 1024;

/** One end of a terminal: write keys, get printed bytes. Both the raw pty and the agent fit. */
export interface Term {
  write(data: string): void;
  onData(cb: (text: string, bytes: number) => void): void;
  close(): void;
}

function rawPty(): Term {
  const p = pty.spawn('/bin/bash', ['--norc', '-i'], {
    cols: 120, rows: 40, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm-256color', PS1: '# ' },
  });
  return {
    write: (d) => p.write(d),
    onData: (cb) => p.onData((d) => cb(d, Buffer.byteLength(d))),
    close: () => p.kill('SIGKILL'),
  };
}

export async function agentTerm(agent: RunningAgent): Promise<Term> {
  const res = await fetch(`${agent.base}/v1/sessions`, {
    method: 'POST',
    headers: agent.headers(agent.learner()),
    body: JSON.stringify({ lesson: 'bench' }),
  });
  const { id, token } = (await res.json()) as { id: string; token: string };
  const ws = new WebSocket(`${agent.wsBase}/v1/sessions/${id}/tty?token=${encodeURIComponent(token)}`);
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  ws.send(JSON.stringify({ type: 'resize', cols: 120, rows: 40 }));
  const listeners: ((text: string, bytes: number) => void)[] = [];
  ws.on('message', (data: Buffer, binary) => {
    if (!binary) return;
    // Acknowledge each frame once handled, as the site does after xterm.js has rendered it.
    ws.send(JSON.stringify({ type: 'ack', bytes: data.length }));
    for (const cb of listeners) cb(data.toString('utf8'), data.length);
  });
  return {
    write: (d) => ws.send(Buffer.from(d), { binary: true }),
    onData: (cb) => listeners.push(cb),
    close: () => ws.close(),
  };
}

/** Waits until everything printed so far contains `marker`. */
function waiter(term: Term): (marker: string, timeoutMs?: number) => Promise<void> {
  let seen = '';
  let pending: { marker: string; resolve: () => void } | undefined;
  term.onData((text) => {
    seen = (seen + text).slice(-4096);
    if (pending && seen.includes(pending.marker)) {
      seen = '';
      const p = pending;
      pending = undefined;
      p.resolve();
    }
  });
  return (marker, timeoutMs = 10_000) => new Promise((resolve, reject) => {
    if (seen.includes(marker)) { seen = ''; resolve(); return; }
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${JSON.stringify(marker)}`)), timeoutMs);
    pending = { marker, resolve: () => { clearTimeout(timer); resolve(); } };
  });
}

/** Types a letter and waits for its echo, then erases it: one round trip each. */
export async function echoLatencies(term: Term, keystrokes = KEYSTROKES): Promise<number[]> {
  const waitFor = waiter(term);
  term.write('stty -ixon; echo RE""ADY\r');
  await waitFor('READY\r\n');
  await new Promise((r) => setTimeout(r, 300));
  const times: number[] = [];
  for (let i = 0; i < keystrokes; i++) {
    const start = performance.now();
    term.write('x');
    await waitFor('x');
    times.push(performance.now() - start);
    term.write('\x7f');
    await waitFor('\b');
  }
  return times;
}

async function catThroughput(term: Term, file: string): Promise<number> {
  const waitFor = waiter(term);
  let bytes = 0;
  term.onData((_t, n) => { bytes += n; });
  term.write(`head -c ${CAT_BYTES} /dev/zero | tr '\\0' 'a' | fold -w 100 > ${file}; echo MADE\r`);
  await waitFor('MADE\r\n', 60_000);
  const before = bytes;
  const start = performance.now();
  term.write(`cat ${file}; echo CAT""DONE\r`);
  await waitFor('CATDONE', 120_000);
  return ((bytes - before) / ((performance.now() - start) / 1000));
}

function peakRssMiB(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const mibps = (v: number) => `${(v / 1024 / 1024).toFixed(1)} MiB/s`;

export async function benchTerminal(): Promise<string> {
  const raw = rawPty();
  const rawEcho = await echoLatencies(raw);
  const rawRate = await catThroughput(raw, '/tmp/byhand-bench-cat');
  raw.close();

  const wetty = await startWetty();
  const wt = await wetty.term();
  const wettyEcho = await echoLatencies(wt);
  const wettyRate = await catThroughput(wt, '/tmp/byhand-bench-cat');
  const wettyPeak = peakRssMiB(wetty.pid);
  wt.close();
  wetty.stop();

  const agent = await startAgent();
  try {
    const term = await agentTerm(agent);
    const agentEcho = await echoLatencies(term);
    const agentRate = await catThroughput(term, '/tmp/bench-cat');
    const peak = peakRssMiB(agent.child.pid!);
    term.close();
    const echo = table('Terminal echo latency (keystroke to echo)', ['path', 'keystrokes', 'p50', 'p99', 'added p50 over raw pty'], [
      ['raw pty, host bash (reference)', String(rawEcho.length), ms(percentile(rawEcho, 50)), ms(percentile(rawEcho, 99)), ''],
      [`wetty ${'3.2.0'}, host bash (reference)`, String(wettyEcho.length), ms(percentile(wettyEcho, 50)), ms(percentile(wettyEcho, 99)),
        ms(percentile(wettyEcho, 50) - percentile(rawEcho, 50))],
      ['agent + WebSocket + sandbox bash', String(agentEcho.length), ms(percentile(agentEcho, 50)), ms(percentile(agentEcho, 99)),
        `${ms(percentile(agentEcho, 50) - percentile(rawEcho, 50))} (target < 1 ms, below wetty)`],
    ]);
    const rate = table(`Terminal throughput (cat of ${CAT_BYTES / 1024 / 1024} MiB, the client acks as it renders)`, ['path', 'rate', 'vs raw pty', 'server peak RSS'], [
      ['raw pty, host bash (reference)', mibps(rawRate), '1.00', ''],
      ['wetty 3.2.0, host bash (reference)', mibps(wettyRate), (wettyRate / rawRate).toFixed(2), `${wettyPeak.toFixed(0)} MiB`],
      ['agent + WebSocket + sandbox bash', mibps(agentRate), (agentRate / rawRate).toFixed(2), `${peak.toFixed(0)} MiB`],
    ]);
    return `${echo}\n${rate}`;
  } finally {
    await agent.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchTerminal();
  process.exit(0);
}
