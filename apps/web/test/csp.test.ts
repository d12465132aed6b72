import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { contentSecurityPolicy } from '../lib/csp';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

const directive = (policy: string, name: string) => policy.split('; ').find((d) => d.startsWith(`${name} `));

test("terminals may connect to the agent's WebSocket origin and nowhere else", () => {
  delete process.env.BYHAND_AGENT_PUBLIC_URL;
  process.env.BYHAND_AGENT_PORT = '3001';
  assert.equal(directive(contentSecurityPolicy('classroom.local:3000', false), 'connect-src'), "connect-src 'self' ws://classroom.local:3001");
  process.env.BYHAND_AGENT_PUBLIC_URL = 'https://class.example.org/agent/';
  assert.equal(directive(contentSecurityPolicy('ignored', false), 'connect-src'), "connect-src 'self' wss://class.example.org");
});

test('no page may be framed; eval only for the dev server', () => {
  const production = contentSecurityPolicy('localhost:3000', false);
  assert.equal(directive(production, 'frame-ancestors'), "frame-ancestors 'none'");
  assert.equal(directive(production, 'object-src'), "object-src 'none'");
  assert.doesNotMatch(production, /unsafe-eval/);
  assert.match(directive(contentSecurityPolicy('localhost:3000', true), 'script-src')!, /'unsafe-eval'/);
});
