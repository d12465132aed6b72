/**
 * Container start: `byhand run --rm --network none busybox true` beside `crun run` and `runc run` of an
 * equivalent bundle (Debian's crun and runc, installed here when missing), and the runtime's
 * helper spawned from a warm Node process, as the agent does it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initHelperPath } from '@byhand/runtime';
import { ms, percentile, repoRoot, table } from './lib.ts';

const RUNS = 20;
const stateDir = process.env.BYHAND_STATE_DIR || '/var/lib/byhand';
const busybox = join(stateDir, 'images', 'busybox', 'rootfs');
const bundle = '/tmp/byhand-bench-bundle';

function ensureTools(): void {
  const missing = ['crun', 'runc'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  if (missing.length === 0) return;
  console.error(`[bench] installing ${missing.join(' ')} from Debian (reference runtimes) ...`);
  execFileSync('apt-get', ['install', '-y', '-q', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** The cgroup this process runs in (the deepest one on v1 hybrid): references nest below it. */
function ownCgroup(): string {
  const paths = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n').map((l) => l.split(':')[2] ?? '/');
  return paths.reduce((a, b) => (b.length > a.length ? b : a), '/');
}

/** An OCI bundle equivalent to `byhand run --rm --network none busybox true`. */
function makeBundle(): void {
  rmSync(bundle, { recursive: true, force: true });
  mkdirSync(bundle, { recursive: true });
  execFileSync('runc', ['spec', '--bundle', bundle]);
  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  spec.process.terminal = false;
  spec.process.args = ['/bin/true'];
  spec.root = { path: busybox, readonly: true };
  spec.linux.cgroupsPath = `${ownCgroup().replace(/\/$/, '')}/byhand-bench`;
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
}

function timeRuns(label: string, run: (i: number) => void): number[] {
  run(-1); // warm the page cache
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    run(i);
    times.push(performance.now() - start);
  }
  console.error(`[bench] ${label}: done`);
  return times;
}

function must(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
}

export async function benchContainerStart(): Promise<string> {
  if (!existsSync(busybox)) throw new Error(`no busybox image at ${busybox}: run \`npm run setup\``);
  ensureTools();
  makeBundle();
  execFileSync('npm', ['run', 'bundle', '-w', '@byhand/runtime'], { cwd: repoRoot, stdio: 'ignore' });
  const cliBundle = join(repoRoot, 'packages', 'runtime', 'build', 'byhand.mjs');
  const cliShim = join(repoRoot, 'packages', 'runtime', 'bin', 'byhand');
  const benchState = '/tmp/byhand-bench-state';
  rmSync(benchState, { recursive: true, force: true });
  must(cliShim, ['--state', benchState, 'import', busybox, 'busybox']);
  const helper = initHelperPath();
  const hybrid = existsSync('/sys/fs/cgroup/unified');
  const rows = [
    ['runc run (reference)', timeRuns('runc', (i) => must('runc', ['run', '-b', bundle, `bench-runc-${i + 1}`]))],
    ['byhand run --rm (bundled CLI, node)', timeRuns('byhand bundle', () => must(process.execPath, [cliBundle, '--state', benchState, 'run', '--rm', '--network', 'none', 'busybox', 'true']))],
    ['byhand run --rm (repo shim, node + tsx)', timeRuns('byhand shim', () => must(cliShim, ['--state', benchState, 'run', '--rm', '--network', 'none', 'busybox', 'true']))],
    ['runtime helper from a warm process (the agent path)', timeRuns('helper', () => must(helper, ['--rootfs', busybox, '--no-userns',
      '--upper-size', '16m', '--namespaces', 'mnt,pid,uts,ipc,net', '--hostname', 'bench', '--', '/bin/true']))],
  ] as const;
  // crun (1.8 in Debian 12) refuses cgroup v1 hybrid hosts outright, even with cgroups disabled.
  const crun: [string, number[]] = hybrid
    ? ['crun run (reference): refuses cgroup v1 hybrid hosts such as this one', []]
    : ['crun run (reference)', timeRuns('crun', (i) => must('crun', ['run', '-b', bundle, `bench-crun-${i + 1}`]))];
  const all: [string, number[]][] = [crun, ...rows.map(([n, t]) => [n, [...t]] as [string, number[]])];
  const ref = percentile(crun[1].length ? crun[1] : all[1]![1], 50);
  const refName = crun[1].length ? 'crun' : 'runc';
  return table(`Container start (busybox true, ${RUNS} runs each)`, ['runtime', 'p50', 'p95', `vs ${refName}`, 'target'],
    all.map(([name, t]) => [name, ms(percentile(t, 50)), ms(percentile(t, 95)), t.length ? (percentile(t, 50) / ref).toFixed(2) : 'n/a',
      name.startsWith('byhand run --rm (bundled') ? '< 150 ms' : name.startsWith('runtime helper') ? 'faster than crun' : '']));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchContainerStart();
  process.exit(0);
}
