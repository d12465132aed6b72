/** Trace frames: the sandbox's own start steps, and what `byhand` inside writes to its socket. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AgentMessage } from '@byhand/protocol';
import { EVENT_BURST, EVENTS_PER_SECOND } from '../src/trace.js';
import { attachTerminal, createSession, requireSandboxes, sleep, startAgent, TermClient, ttyUrl, waitUntil, type TestAgent } from './helpers.js';

let t: TestAgent;
before(async () => {
  requireSandboxes();
  t = await startAgent();
});
after(() => t?.close());

type Trace = Extract<AgentMessage, { type: 'trace' }>;
const traces = (c: TermClient, origin: string) =>
  c.messages.filter((m): m is Trace => m.type === 'trace' && m.event.origin === origin);

/** Writes `text` to the trace socket from inside the sandbox, with the lab image's netcat. */
function writeToSocket(c: TermClient, text: string, marker: string): Promise<void> {
  return c.run(`printf '${text}' | nc -N -U "$BYHAND_TRACE_SOCKET"; echo "${marker}"-"done"`, `${marker}-done`);
}

test('every attach to terminal 1 gets the sandbox start steps as trace frames after ready', async () => {
  const { id, token } = await createSession(t);
  const first = await TermClient.open(ttyUrl(t, id, token));
  await waitUntil('the execve step', () => traces(first, 'session').some((m) => m.event.step === 'execve'));
  const steps = traces(first, 'session').map((m) => m.event.step);
  for (const step of ['clone', 'uid_map', 'mount', 'pivot_root', 'seccomp', 'execve']) {
    assert.ok(steps.includes(step), `start steps ${steps.join(',')} include ${step}`);
  }
  const readyAt = first.messages.findIndex((m) => m.type === 'ready');
  const firstTraceAt = first.messages.findIndex((m) => m.type === 'trace');
  assert.ok(readyAt >= 0 && readyAt < firstTraceAt, 'ready comes before the trace');
  await first.close();

  const again = await attachTerminal(t, id);
  await waitUntil('the start steps again', () => traces(again, 'session').length === steps.length);
  assert.deepEqual(traces(again, 'session').map((m) => m.event.step), steps);
  const second = await attachTerminal(t, id, '2');
  await second.run('echo "two"-ok', 'two-ok');
  assert.equal(second.messages.filter((m) => m.type === 'trace').length, 0, 'terminal 2 gets no trace frames');
  await Promise.all([again.close(), second.close()]);
});

test('a JSON line written to /run/byhand/trace.sock inside the sandbox reaches the client; garbage is dropped', async () => {
  const { id, token } = await createSession(t);
  const c = await TermClient.open(ttyUrl(t, id, token));
  await c.waitForMessage('ready');
  await c.run('echo "sock=$BYHAND_TRACE_SOCKET"; touch /run/byhand/x || echo "ro"-"dir"', 'ro-dir');
  assert.match(c.output, /sock=\/run\/byhand\/trace\.sock/);

  await writeToSocket(c, '{"step":"clone","command":"byhand run"}\\n', 'one');
  await waitUntil('the nested event', () => traces(c, 'sandbox').length === 1);
  assert.deepEqual(traces(c, 'sandbox')[0]!.event, { step: 'clone', command: 'byhand run', origin: 'sandbox' });

  const long = `{"x":"${'a'.repeat(5000)}"}`;
  await writeToSocket(c, `not json\\n[1,2]\\n"text"\\nnull\\n${long}\\n{"step":"after-garbage"}\\n`, 'two');
  await waitUntil('the event after the garbage', () => traces(c, 'sandbox').length === 2, 5_000);
  assert.equal(traces(c, 'sandbox')[1]!.event.step, 'after-garbage');
  await sleep(300);
  assert.equal(traces(c, 'sandbox').length, 2, 'only the two JSON objects of bounded size came through');
  await c.run('echo "still"-"here"', 'still-here');
  await c.close();
});

test('a flood on the trace socket is capped in rate and the terminal stays responsive', async () => {
  const { id, token } = await createSession(t);
  const c = await TermClient.open(ttyUrl(t, id, token));
  await c.waitForMessage('ready');
  const started = Date.now();
  c.type(`(yes '{"n":1}' | head -n 200000 | timeout 3 nc -N -U "$BYHAND_TRACE_SOCKET" >/dev/null 2>&1 &)\r`);
  await sleep(500);
  const before = Date.now();
  await c.run('echo "during"-"flood"', 'during-flood', 3_000);
  const answerMs = Date.now() - before;
  await sleep(3_000);
  const seconds = (Date.now() - started) / 1000;
  const got = traces(c, 'sandbox').length;
  assert.ok(got > 0, 'some events came through');
  assert.ok(got <= EVENT_BURST + EVENTS_PER_SECOND * seconds, `${got} events in ${seconds} s is over the cap`);
  assert.ok(answerMs < 2_000, `the shell answered after ${answerMs} ms`);
  await c.close();
});
