/** The HTTP surface, none of which needs a sandbox: health, metrics, auth and input checks. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { agentHeaders, startAgent, upgradeStatus, type TestAgent } from './helpers.js';

let t: TestAgent;
before(async () => {
  t = await startAgent();
});
after(() => t.close());

/** As the site posts, with the learner header, but `auth` as given. */
const post = (body: string, auth: string | undefined, headers: Record<string, string> = {}) => {
  const { Authorization: _, ...site } = agentHeaders(t.secret);
  return fetch(`${t.base}/v1/sessions`, {
    method: 'POST',
    headers: { ...site, ...(auth ? { Authorization: auth } : {}), ...headers },
    body,
  });
};

describe('health and metrics', () => {
  test('GET /healthz says ok with the session count', async () => {
    const res = await fetch(`${t.base}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true, sessions: 0 });
  });

  test('GET /metrics is Prometheus text with both series', async () => {
    const res = await fetch(`${t.base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    assert.match(text, /^# TYPE byhand_sessions_active gauge$/m);
    assert.match(text, /^byhand_sessions_active 0$/m);
    assert.match(text, /^# TYPE byhand_sessions_created_total counter$/m);
    assert.match(text, /^byhand_sessions_created_total 0$/m);
  });
});

describe('POST /v1/sessions refuses', () => {
  test('a request without the secret (401)', async () => {
    const res = await post('{"lesson":"namespaces"}', undefined);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    assert.match(((await res.json()) as { error: string }).error, /Authorization: Bearer/);
  });

  test('a wrong secret (401)', async () => {
    const res = await post('{"lesson":"namespaces"}', `Bearer ${t.secret}x`);
    assert.equal(res.status, 401);
  });

  test('the secret without the Bearer scheme (401)', async () => {
    const res = await post('{"lesson":"namespaces"}', t.secret);
    assert.equal(res.status, 401);
  });

  for (const [name, body] of [
    ['a body that is not JSON', '{lesson:'],
    ['a body without a lesson', '{}'],
    ['a lesson slug with capitals and slashes', '{"lesson":"../Etc"}'],
    ['a lesson that is not a string', '{"lesson":7}'],
    ['a JSON array', '[]'],
  ] as const) {
    test(`${name} (400, saying what is expected)`, async () => {
      const res = await post(body, `Bearer ${t.secret}`);
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { error: string }).error, /"lesson"/);
    });
  }

  test('a body over 16 KiB (413)', async () => {
    const res = await post(JSON.stringify({ lesson: 'a', pad: 'x'.repeat(17 * 1024) }), `Bearer ${t.secret}`);
    assert.equal(res.status, 413);
    assert.match(((await res.json()) as { error: string }).error, /larger than 16384 bytes/);
  });

  test('a chunked body that grows over 16 KiB (413)', async () => {
    const { port } = new URL(t.base);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/sessions',
        headers: { ...agentHeaders(t.secret), 'Transfer-Encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 17; i++) req.write('x'.repeat(1024));
      req.end();
    });
    assert.equal(status, 413);
  });

  test('no session was created by any of these', async () => {
    const metrics = await (await fetch(`${t.base}/metrics`)).text();
    assert.match(metrics, /^byhand_sessions_created_total 0$/m);
  });
});

describe('other routes', () => {
  test('an unknown path is 404', async () => {
    assert.equal((await fetch(`${t.base}/v1/nope`)).status, 404);
  });

  test('the wrong method is 405', async () => {
    assert.equal((await fetch(`${t.base}/v1/sessions`, { method: 'PUT' })).status, 405);
    assert.equal((await fetch(`${t.base}/healthz`, { method: 'POST' })).status, 405);
  });

  test('DELETE needs the secret (401) and a session that exists (404)', async () => {
    const url = `${t.base}/v1/sessions/0123456789abcdef`;
    assert.equal((await fetch(url, { method: 'DELETE' })).status, 401);
    assert.equal((await fetch(url, { method: 'DELETE', headers: agentHeaders(t.secret) })).status, 404);
  });
});

describe('WebSocket upgrade refuses', () => {
  test('an unknown session (404)', async () => {
    assert.equal(await upgradeStatus(`${t.wsBase}/v1/sessions/0123456789abcdef/tty?token=x`), 404);
  });

  test('a path that is not a terminal (404)', async () => {
    assert.equal(await upgradeStatus(`${t.wsBase}/healthz`), 404);
  });

  test('a page from another site (403), before looking at the session', async () => {
    const status = await upgradeStatus(`${t.wsBase}/v1/sessions/0123456789abcdef/tty?token=x`, {
      origin: 'https://evil.example',
    });
    assert.equal(status, 403);
  });
});
