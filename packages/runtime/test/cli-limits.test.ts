import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { sleep } from '../src/proc.js';
import { makeCli, type Cli } from './cli-helpers.js';

let cli: Cli;
before(async () => { cli = await makeCli(); });
after(() => cli.cleanup());

async function inspect(ref: string): Promise<Record<string, any>> {
  const r = await cli.run(['inspect', ref]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as Array<Record<string, any>>)[0]!;
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

describe('resource limits (cgroups)', () => {
  it('OOM-kills a memory hog over -m 64m: exit 137 and inspect says OOMKilled', async () => {
    const r = await cli.run(['--explain', 'run', '--name', 'hog', '-m', '64m', '--memory-swap', '64m', 'busybox',
      'sh', '-c', 'a=xxxxxxxxxxxxxxxx; while true; do a="$a$a"; done']);
    assert.equal(r.code, 137);
    assert.match(r.stderr, /echo 67108864 > \S+\/memory\.(limit_in_bytes|max)/, '--explain shows the cgroup write');
    const info = await inspect('hog');
    assert.equal(info.State.OOMKilled, true);
    assert.equal(info.State.ExitCode, 137);
    assert.equal(info.HostConfig.Memory, 64 * 2 ** 20);
    assert.match(info.CgroupPath, /\/byhand\/[0-9a-f]{8}-[0-9a-f]{64}$/, "named <state dir tag>-<id>");
    assert.equal((await cli.run(['rm', 'hog'])).code, 0);
  });

  it('stops a fork bomb with --pids-limit 32; the host is unaffected', async () => {
    const r = await cli.run(['run', '--rm', '--pids-limit', '32', 'busybox', 'sh', '-c',
      // The bomb runs in a subshell (a failed fork ends it); counted with builtins: no fork is left for ls.
      '(i=0; while [ $i -lt 200 ]; do sleep 30 & i=$((i+1)); done) 2>/dev/null; n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo $n']);
    assert.equal(r.code, 0, r.stderr);
    const count = Number(r.stdout.trim());
    assert.ok(count <= 33 && count > 5, `at most 32 processes ran (saw ${count})`);
    const host = await cli.run(['run', '--rm', 'busybox', 'true']);
    assert.equal(host.code, 0, 'the host still forks');
  });

  it('pause freezes and unpause thaws; stats reads the cgroup', async () => {
    const id = (await cli.run(['run', '-d', '-m', '32m', 'busybox', 'sh', '-c', 'while :; do :; done'])).stdout.trim();
    assert.equal((await cli.run(['pause', id])).code, 0);
    const pid = (await inspect(id)).State.Pid as number;
    assert.match((await cli.run(['ps'])).stdout, /\(Paused\)/);
    const before = cpuTicks(pid);
    await sleep(500);
    assert.equal(cpuTicks(pid), before, 'a paused container gets no CPU');
    assert.equal((await inspect(id)).State.Paused, true);
    assert.equal((await cli.run(['unpause', id])).code, 0);
    await sleep(500);
    assert.ok(cpuTicks(pid) > before, 'it runs again');
    const stats = await cli.run(['stats', '--no-stream', id]);
    assert.match(stats.stdout, /[\d.]+MiB \/ 32\.00MiB +1\n/);
    assert.equal((await cli.run(['rm', '-f', id])).code, 0);
  });

  it('shares one CPU by -c weights: 1024 gets about twice what 512 gets', async () => {
    const hog = ['busybox', 'sh', '-c', 'while :; do :; done'];
    const a = (await cli.run(['run', '-d', '--cpuset-cpus', '0', '-c', '1024', ...hog])).stdout.trim();
    const b = (await cli.run(['run', '-d', '--cpuset-cpus', '0', '-c', '512', ...hog])).stdout.trim();
    const [pa, pb] = [(await inspect(a)).State.Pid as number, (await inspect(b)).State.Pid as number];
    await sleep(500);
    const [a0, b0] = [cpuTicks(pa), cpuTicks(pb)];
    await sleep(4000);
    const ratio = (cpuTicks(pa) - a0) / Math.max(1, cpuTicks(pb) - b0);
    await cli.run(['rm', '-f', a, b]);
    assert.ok(ratio >= 1.6 && ratio <= 2.5, `CPU time ratio ${ratio.toFixed(2)} is between 1.6 and 2.5`);
  });
});
