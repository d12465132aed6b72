/**
 * `byhand` run inside a learner sandbox (nested, unprivileged): the lab image with the set-up's
 * tools mounted read-only at /opt/byhand, as the sandbox agent makes it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { sandboxInvocation } from '../src/index.js';
import { labImageDir, toolsDir, TOOLS_DIR_INSIDE } from '../src/paths.js';
import { defaultStateDir } from '../src/state.js';
import { requireRoot, runInSandbox, spec } from './helpers.js';

const LAB = labImageDir(defaultStateDir());
const TOOLS = toolsDir(defaultStateDir());

before(() => {
  requireRoot();
  if (!existsSync(join(LAB, 'bin', 'bash'))) throw new Error(`the lab image is missing (no ${LAB}/bin/bash): run \`npm run setup\` or set BYHAND_LAB_IMAGE`);
  if (!existsSync(join(TOOLS, 'bin', 'byhand'))) throw new Error(`the sandbox tools are missing (no ${TOOLS}/bin/byhand): run \`npm run setup\` or set BYHAND_TOOLS_DIR`);
});

/** The lab image with the tools mounted as the sandbox agent mounts them. */
const LAB_SANDBOX = {
  name: 'nest',
  upperSize: '256m',
  env: { PATH: `/usr/sbin:/usr/bin:/sbin:/bin:${TOOLS_DIR_INSIDE}/bin` },
  volumes: [{ source: TOOLS, target: TOOLS_DIR_INSIDE, readonly: true }],
};

function inLab(script: string) {
  return runInSandbox(LAB, script, LAB_SANDBOX);
}

/** Every process below `pid` on the host. */
function descendants(pid: number): number[] {
  const found: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return found;
  }
  for (const tid of tasks) {
    let children: number[] = [];
    try {
      children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      continue;
    }
    for (const child of children) found.push(child, ...descendants(child));
  }
  return found;
}

describe('byhand inside a learner sandbox', () => {
  it('runs busybox containers: --rm, --hostname', async () => {
    const r = await inLab('byhand run --rm busybox echo hello && byhand run --rm --hostname box busybox hostname');
    assert.equal(r.stdout, 'hello\nbox\n', r.stderr);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /note: cgroups are not writable here.*runs without a cgroup/, 'says why it runs without limits');
  });

  it('changes the set-up\'s busybox through the overlay, in a copy the sandbox owns', async () => {
    const r = await inLab([
      'byhand run --rm busybox sh -c "rm /bin/wget && echo changed >> /etc/passwd && echo changed"',
      'byhand run --rm busybox sh -c "test -e /bin/wget && echo untouched"',
      'test -e /opt/byhand/images/busybox/rootfs/bin/wget && echo "tools untouched"',
    ].join('\n'));
    assert.equal(r.stdout, 'changed\nuntouched\ntools untouched\n', r.stderr);
  });

  it('--userns auto maps a nested container\'s root to ids the sandbox has', async () => {
    const r = await inLab('byhand run --rm --userns auto busybox cat /proc/self/uid_map');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split(/\s+/).map(Number), [0, 10000, 4096]);
  });

  it('refuses resource limits it cannot apply, with exit code 125', async () => {
    const r = await inLab('byhand run --rm -m 64m busybox true; echo "rc=$?"');
    assert.equal(r.stdout, 'rc=125\n');
    assert.match(r.stderr, /byhand: cgroups are not writable here/);
  });

  it('keeps a detached container: ps, exec, rm -f; its processes run as the sandbox\'s uid on the host', async (t) => {
    const s = spec(LAB, { ...LAB_SANDBOX, command: ['/bin/bash', '-c', [
      'id=$(byhand run -d --name w busybox sleep 100) || exit 1',
      'echo "started ${id:0:12}"',
      'read -r _', // the test checks the host's view meanwhile
      'byhand ps',
      'echo "exec: $(byhand exec w hostname)"',
      'byhand rm -f w >/dev/null && echo "left: $(byhand ps -a -q | wc -l)"',
    ].join('\n')] });
    const inv = sandboxInvocation(s);
    const child = spawn(inv.file, inv.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Ending the sandbox's pid 1 ends everything in it, should an assertion below fail.
    t.after(() => child.kill('SIGKILL'));
    const end = Date.now() + 30_000;
    while (!/started [0-9a-f]{12}\n/.test(stdout) && child.exitCode === null && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    const short = /started ([0-9a-f]{12})\n/.exec(stdout)?.[1];
    assert.ok(short, `the detached container started (stdout ${JSON.stringify(stdout)}, stderr ${JSON.stringify(stderr)})`);

    const sleeper = descendants(child.pid!).find((pid) => {
      try {
        return /^(\/bin\/)?sleep\u0000100\u0000$/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      } catch {
        return false;
      }
    });
    assert.ok(sleeper, 'the nested container\'s process is a descendant of the sandbox on the host');
    const uids = /^Uid:\s+(.*)$/m.exec(readFileSync(`/proc/${sleeper}/status`, 'utf8'))![1]!.split(/\s+/).map(Number);
    assert.deepEqual(uids, [s.ids.base, s.ids.base, s.ids.base, s.ids.base], 'root in the nested container is the sandbox\'s unprivileged uid, not 0');

    child.stdin.end('go\n');
    assert.equal(await closed, 0, stderr);
    const lines = stdout.trim().split('\n');
    assert.ok(lines.some((l) => /\bw\s*$/.test(l)), `ps lists w: ${stdout}`);
    assert.ok(lines.includes(`exec: ${short}`), `exec runs in the container (its hostname is its short id): ${stdout}`);
    assert.ok(lines.includes('left: 0'), `rm -f removed it: ${stdout}`);
  });

  it('cannot change the tools, even after remounting them read-write', async () => {
    const r = await inLab([
      'touch /opt/byhand/x 2>/dev/null || echo "touch refused"',
      'mount -o remount,rw,bind /opt/byhand',
      'touch /opt/byhand/x 2>/dev/null || echo "touch refused"',
      '{ echo >> /opt/byhand/bin/byhand; } 2>/dev/null || echo "append refused"',
      'rm -f /opt/byhand/images/busybox/rootfs/bin/sh 2>/dev/null || echo "rm refused"',
    ].join('\n'));
    assert.equal(r.stdout, 'touch refused\ntouch refused\nappend refused\nrm refused\n', r.stderr);
    assert.ok(!existsSync(join(TOOLS, 'x')), 'nothing was written to the host\'s tools');
  });
});
