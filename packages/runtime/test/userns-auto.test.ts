import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { autoIdPlan } from '../src/userns.js';

describe('--userns auto picks ids that exist where byhand runs', () => {
  it('on a host, blocks of 65536 from 10^9', () => {
    const all = '         0          0 4294967295\n';
    assert.deepEqual(autoIdPlan(all, all), { first: 1_000_000_000, size: 65536, blocks: 4096 });
  });
  it('inside a learner sandbox (65536 ids), blocks of 4096 above the sandbox\'s first 10000 ids', () => {
    const sandbox = '         0  100000000      65536\n';
    assert.deepEqual(autoIdPlan(sandbox, sandbox), { first: 10_000, size: 4096, blocks: 13 });
  });
  it('says so when the namespace has too few ids', () => {
    assert.throws(() => autoIdPlan('0 1000 1\n', '0 1000 1\n'), /maps only ids 0-0: too few for --userns auto/);
  });
});
