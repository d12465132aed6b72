import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ContainerConfig } from '../src/config.js';
import { StateStore } from '../src/state.js';
import { processRef } from '../src/proc.js';

const dir = mkdtempSync(join(tmpdir(), 'byhand-statestore-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const config = { command: ['true'] } as ContainerConfig;

describe('the state store', () => {
  it('gives 64-hex ids, finds containers by name, id or unique prefix', () => {
    const store = new StateStore(dir);
    const a = store.create(config, 'alpha');
    assert.match(a.state.id, /^[0-9a-f]{64}$/);
    assert.equal(store.find('alpha').state.id, a.state.id);
    assert.equal(store.find(a.state.id).state.id, a.state.id);
    assert.equal(store.find(a.state.id.slice(0, 5)).state.name, 'alpha');
    assert.throws(() => store.find('nobody'), /no such container: nobody \(see byhand ps -a\)/);
    assert.throws(() => store.find(''), /no such container/);
  });

  it('keeps names unique, and frees a name on removal', () => {
    const store = new StateStore(dir);
    assert.throws(() => store.create(config, 'alpha'), /the name alpha is already used by container [0-9a-f]{12}/);
    assert.throws(() => store.create(config, 'bad name'), /must be letters, digits/);
    store.remove(store.find('alpha'));
    assert.equal(store.create(config, 'alpha').state.name, 'alpha');
  });

  it('says a container whose helper died has stopped, whatever state.json said', () => {
    const store = new StateStore(dir);
    const c = store.create(config);
    store.update(c.state.id, { status: 'running', helper: { pid: 999_999_999, start: 1 } });
    const seen = store.load(c.state.id)!;
    assert.equal(seen.state.status, 'stopped');
    assert.equal(seen.state.exitCode, -1);
    store.update(c.state.id, { status: 'running', helper: processRef(process.pid) });
    assert.equal(store.load(c.state.id)!.state.status, 'running', 'a live helper keeps it running');
  });

  it('finds names left without a container', () => {
    const store = new StateStore(dir);
    const c = store.create(config, 'orphan');
    rmSync(c.dir, { recursive: true });
    assert.deepEqual(store.staleNames(), ['orphan']);
    store.removeName('orphan');
    assert.deepEqual(store.staleNames(), []);
  });
});
