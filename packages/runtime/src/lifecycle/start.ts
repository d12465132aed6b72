/** `create`d containers wait on their exec fifo; `start` lets them go on to exec their command. */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { isAlive } from '../proc.js';
import type { Container, StateStore } from '../state.js';
import { containerFiles } from './files.js';

/** The helper opens the fifo for writing and blocks until someone opens it for reading. */
export function makeExecFifo(path: string): void {
  // Node has no mkfifo(3); coreutils' mkfifo is the same call.
  const r = spawnSync('mkfifo', ['-m', '0622', path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot make the exec fifo ${path}: ${r.stderr || r.error?.message}`);
}

export function releaseCreated(store: StateStore, c: Container): void {
  if (c.state.status !== 'created') throw new Error(`cannot start ${c.state.name}: it is ${c.state.status}, not created`);
  if (!isAlive(c.state.helper)) throw new Error(`container ${c.state.name} lost its runtime helper: remove it (byhand rm ${c.state.name})`);
  const fd = openSync(containerFiles(c.dir).fifo, 'r');
  try {
    // Until the helper's end closes (at exec): then the command runs.
    const buf = Buffer.alloc(64);
    while (readSync(fd, buf) > 0) { /* drain */ }
  } finally {
    closeSync(fd);
  }
  store.update(c.state.id, { status: 'running', startedAt: new Date().toISOString() });
}
