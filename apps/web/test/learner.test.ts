/** The learner cookie: made once, kept while valid, replaced when forged; the address for the flood guard. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signLearner, verifyLearner } from '@byhand/protocol/learner';
import { clientAddressOf, LEARNER_COOKIE, learnerOf } from '../lib/learner';

process.env.BYHAND_AGENT_SECRET = 'learner-test-secret';

const request = (headers: Record<string, string>, url = 'http://course.test/api/sessions') => new Request(url, { headers });
const cookieIn = (setCookie: string) => setCookie.split(';')[0]!.slice(LEARNER_COOKIE.length + 1);

describe('learnerOf', () => {
  test('a browser without the cookie gets a new signed learner id in an HttpOnly, SameSite=Lax cookie', () => {
    const { signed, setCookie } = learnerOf(request({}));
    assert.ok(setCookie);
    assert.equal(cookieIn(setCookie), signed);
    assert.match(setCookie, /; Path=\/; Max-Age=15552000; HttpOnly; SameSite=Lax$/);
    assert.ok(verifyLearner(signed, 'learner-test-secret').ok, 'signed with the agent secret');
    assert.notEqual(learnerOf(request({})).signed, signed, 'each new browser is a learner of its own');
  });

  test('a valid cookie is kept as it is, whatever else the Cookie header holds', () => {
    const mine = learnerOf(request({})).signed;
    const again = learnerOf(request({ cookie: `theme=dark; ${LEARNER_COOKIE}=${mine}; other=1` }));
    assert.deepEqual(again, { signed: mine, setCookie: null });
  });

  test('a forged or altered cookie is replaced by a new learner, never accepted', () => {
    const forged = signLearner('AAAAAAAAAAAAAAAAAAAAAA', 'someone-elses-secret');
    const mine = learnerOf(request({})).signed;
    const altered = `BBBBBBBBBBBBBBBBBBBBBB${mine.slice(22)}`;
    for (const value of [forged, altered, 'garbage']) {
      const { signed, setCookie } = learnerOf(request({ cookie: `${LEARNER_COOKIE}=${value}` }));
      assert.notEqual(signed, value);
      assert.ok(setCookie, `${value} is replaced`);
    }
  });

  test('over HTTPS (or behind a proxy that says so) the cookie is Secure', () => {
    assert.match(learnerOf(request({ 'x-forwarded-proto': 'https' })).setCookie!, /; Secure$/);
    assert.match(learnerOf(request({}, 'https://course.test/')).setCookie!, /; Secure$/);
  });
});

describe('clientAddressOf', () => {
  test('the entry the nearest proxy wrote: the last of X-Forwarded-For', () => {
    assert.equal(clientAddressOf(request({ 'x-forwarded-for': '198.51.100.7' })), '198.51.100.7');
    assert.equal(clientAddressOf(request({ 'x-forwarded-for': '10.0.0.1, 203.0.113.9' })), '203.0.113.9');
    assert.equal(clientAddressOf(request({})), null);
  });
});
