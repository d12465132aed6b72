/**
 * `byhand run --step` against the real kernel: every step asked for, in --explain's order; the
 * half-built container seen from outside while it waits; an abort at any step leaves nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { findCgroups } from '../src/cgroups/index.js';
import { containerCgroupName } from '../src/lifecycle/cgroup.js';
import { makeCli, type Cli } from './cli-helpers.js';
import { explainedSteps, netnsOf, normalize, rootMounts, SteppedRun, stepLines } from './step-helpers.js';

const NEW_ROOT = 'lowerdir=/tmp/lower0';

describe('byhand run --step', () => {
  let cli: Cli;
  let stepCount = 0;
  before(async () => { cli = await makeCli(); });
  after(async () => { await cli?.cleanup(); });

  it('asks before every step, in --explain\'s order, and shows the half-built container from outside', async () => {
    const explained = await cli.run(['--explain', 'run', '--rm', '--network', 'none', 'busybox', 'true']);
    assert.equal(explained.code, 0, explained.stderr);
    const run = new SteppedRun(cli, ['--rm', '--network', 'none', 'busybox', 'true']);
    const seen: Record<string, boolean> = {};
    for (let pause = await run.next(); pause; pause = await run.next()) {
      const pid = pause.containerPid;
      if (pause.text.startsWith('cd ROOT && pivot_root')) {
        assert.ok(pid, `a container pid is shown before pivot_root:\n${run.stderr}`);
        assert.notEqual(readlinkSync(`/proc/${pid}/ns/pid`), readlinkSync('/proc/self/ns/pid'), 'its own PID namespace exists');
        assert.ok(!rootMounts(pid).includes(NEW_ROOT), `before pivot_root / is still the host's: ${rootMounts(pid)}`);
        assert.match(readFileSync(`/proc/${pid}/mountinfo`, 'utf8'), / \/tmp\/merged .* - overlay /, 'the new root waits at /tmp/merged');
        seen.beforePivot = true;
      }
      if (pause.text === 'umount -l .') {
        assert.ok(rootMounts(pid!).includes(NEW_ROOT), `after pivot_root / is the overlay: ${rootMounts(pid!)}`);
        seen.afterPivot = true;
      }
      run.answer('');
    }
    assert.equal(await run.end(), 0, run.stderr);
    assert.deepEqual(seen, { beforePivot: true, afterPivot: true });
    // The shared `byhand` cgroup node is made only by whichever run finds it missing (other
    // state dirs' containers come and go): the container's own steps must match exactly.
    const own = (steps: string[]) => steps.filter((s) => !/^mkdir \S+\/byhand$/.test(s)).map(normalize);
    const stepped = own(stepLines(run.stderr).map((s) => s.text));
    assert.deepEqual(stepped, own(explainedSteps(explained.stderr)));
    assert.ok(stepped.length > 40 && stepped.at(-1)!.startsWith('execve('), `${stepped.length} steps, the exec last`);
    stepCount = stepLines(run.stderr).length;
    assert.equal((run.stderr.match(/^ {5}= /gm) ?? []).length, stepCount, 'each step printed its result');
  });

  it('c continues to the end without asking again', async () => {
    const run = new SteppedRun(cli, ['--rm', 'busybox', 'echo', 'ran']);
    const first = await run.next();
    assert.equal(first?.index, 1);
    run.answer('c');
    assert.equal(await run.next(), null, 'no more pauses');
    assert.equal(await run.end(), 0, run.stderr);
    assert.equal(run.stdout, 'ran\n');
  });

  it('shows the execve line before anything the command prints', async () => {
    // The helper waits for the CLI to have printed the line; without that, a command writing to
    // the same terminal at once (a shell's prompt) sometimes came first. Repeated: it was a race.
    for (let i = 0; i < 15; i++) {
      const run = new SteppedRun(cli, ['--rm', '--network', 'none', 'busybox', 'sh', '-c', 'echo from-the-command >&2']);
      assert.ok(await run.next(), 'the first pause');
      run.answer('c');
      assert.equal(await run.end(), 0, run.stderr);
      const line = run.stderr.indexOf('the command replaces the helper');
      const output = run.stderr.indexOf('from-the-command');
      assert.ok(line >= 0 && output > line, `run ${i + 1}: the execve line comes first:\n${run.stderr.slice(-400)}`);
    }
  });

  it('q at any step aborts and leaves no mount, cgroup, network namespace, process or container', async () => {
    assert.ok(stepCount > 40, 'the first test counted the steps');
    const mountsBefore = readFileSync('/proc/self/mountinfo', 'utf8');
    for (let at = 1; at <= stepCount; at++) {
      const run = new SteppedRun(cli, ['--network', 'none', 'busybox', 'true']);
      let pause = await run.next();
      for (; pause && pause.index < at; pause = await run.next()) run.answer('');
      assert.equal(pause?.index, at, `reached step ${at}:\n${run.stderr}`);
      const pid = pause.containerPid;
      const netns = pid ? netnsOf(pid) : null;
      run.answer('q');
      assert.equal(await run.end(), 130, `aborted at step ${at}: ${run.stderr}`);
      assert.match(run.stderr, new RegExp(`aborted before step ${at}`));
      assert.equal(readFileSync('/proc/self/mountinfo', 'utf8'), mountsBefore, `no mount left after an abort at step ${at}`);
      assert.deepEqual(findCgroups(containerCgroupName(cli.stateDir, '')).map((c) => c.name), [], `no cgroup left (step ${at})`);
      // A network namespace lives as long as a process, an open fd or a bind mount holds it:
      // the helper and the container held the only fds, and the mount table is unchanged.
      // (Its inode number alone proves nothing: the kernel hands it to the next new namespace.)
      for (const p of [pid, pause.helperPid]) {
        if (p) assert.ok(netnsOf(p) === null || netnsOf(p) !== netns, `process ${p} is gone with its network namespace (step ${at})`);
      }
      const ps = await cli.run(['ps', '-aq']);
      assert.equal(ps.stdout, '', `no container record left (step ${at})`);
    }
  });
});
