import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findCgroups } from '../src/cgroups/index.js';
import { containerCgroupName } from '../src/lifecycle/cgroup.js';
import { waitUntil } from '../src/proc.js';
import { BYHAND, makeCli, type Cli } from './cli-helpers.js';

let cli: Cli;
before(async () => { cli = await makeCli(); });
after(() => cli.cleanup());

function lines(text: string): string[] {
  return text.trim().split('\n');
}

describe('byhand run', () => {
  it('runs a command with its own hostname, as pid 1', async () => {
    const host = await cli.run(['run', '--rm', '--hostname', 'box', 'busybox', 'hostname']);
    assert.equal(host.stderr, '');
    assert.equal(host.stdout, 'box\n');
    assert.equal(host.code, 0);
    const pid = await cli.run(['run', '--rm', 'busybox', 'sh', '-c', 'echo $$']);
    assert.equal(pid.stdout, '1\n');
  });

  it('exits as Docker does: the command\'s code, 127 not found, 125 for its own errors', async () => {
    assert.equal((await cli.run(['run', '--rm', 'busybox', 'sh', '-c', 'exit 3'])).code, 3);
    const missing = await cli.run(['run', '--rm', 'busybox', 'no-such-command']);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /"no-such-command": executable file not found in \$PATH/);
    const image = await cli.run(['run', '--rm', 'busybox2', 'true']);
    assert.equal(image.code, 125);
    assert.match(image.stderr, /unknown image busybox2: see byhand images/);
    const flag = await cli.run(['run', '--foo', 'busybox', 'true']);
    assert.equal(flag.code, 125);
    assert.match(flag.stderr, /unknown flag --foo/);
    const size = await cli.run(['run', '-m', 'lots', 'busybox', 'true']);
    assert.equal(size.code, 125);
    assert.match(size.stderr, /-m needs a size like 64m/);
    const network = await cli.run(['run', '--network', 'nowhere', 'busybox', 'true']);
    assert.equal(network.code, 125);
    assert.match(network.stderr, /there is no network nowhere/);
    assert.equal((await cli.run(['ps', '-aq'])).stdout, '', '--rm and failed runs leave no container');
  });

  it('passes -e, -w and --user to the command', async () => {
    const r = await cli.run(['run', '--rm', '-e', 'GREETING=hi', '-w', '/tmp', '--user', '1000:1000', 'busybox',
      'sh', '-c', 'echo $GREETING; pwd; id -u; id -g']);
    assert.equal(r.stderr, '');
    assert.deepEqual(lines(r.stdout), ['hi', '/tmp', '1000', '1000']);
  });

  it('writes to the container\'s writable layer, never the image; rm removes it', async () => {
    const r = await cli.run(['run', '--name', 'writer', 'busybox', 'sh', '-c', 'echo data > /made-here; rm /bin/wc']);
    assert.equal(r.code, 0, r.stderr);
    const [inspected] = JSON.parse((await cli.run(['inspect', 'writer'])).stdout) as Array<{ GraphDriver: { Data: { UpperDir: string; LowerDir: string } } }>;
    const { UpperDir, LowerDir } = inspected!.GraphDriver.Data;
    assert.equal(readFileSync(join(UpperDir, 'made-here'), 'utf8'), 'data\n');
    assert.ok(!existsSync(join(LowerDir, 'made-here')), 'the image has no such file');
    assert.ok(existsSync(join(LowerDir, 'bin', 'wc')), 'deleting inside only hides the image\'s file');
    assert.equal((await cli.run(['rm', 'writer'])).code, 0);
    assert.ok(!existsSync(UpperDir), 'rm removed the writable layer');
  });

  it('bind-mounts volumes: read-only with :ro, writable through to the host without', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'byhand-vol-'));
    try {
      const ro = await cli.run(['run', '--rm', '-v', `${dir}:/data:ro`, 'busybox', 'sh', '-c', 'echo x > /data/f']);
      assert.notEqual(ro.code, 0);
      assert.match(ro.stderr, /Read-only file system/);
      const rw = await cli.run(['run', '--rm', '-v', `${dir}:/data`, 'busybox', 'sh', '-c', 'echo from-container > /data/f']);
      assert.equal(rw.code, 0, rw.stderr);
      assert.equal(readFileSync(join(dir, 'f'), 'utf8'), 'from-container\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('-it runs the container on the caller\'s terminal', async () => {
    // script(1) gives the CLI a terminal, as a learner's shell has one.
    const command = `${BYHAND} run -it --rm busybox sh -c '[ -t 0 ] && [ -t 1 ] && echo on-a-tty'; ${BYHAND} run --rm busybox sh -c '[ -t 0 ] || echo stdin-not-a-tty'`;
    const r = await new Promise<string>((resolve, reject) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, BYHAND_STATE_DIR: cli.stateDir }, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.on('error', (err) => reject(new Error(`script(1) from util-linux is needed for this test: ${err.message}`)));
      child.on('close', () => resolve(out));
    });
    assert.deepEqual(lines(r.replace(/\r/g, '')), ['on-a-tty', 'stdin-not-a-tty']);
  });

  it('--userns=auto maps root inside to an unprivileged range outside', async () => {
    const r = await cli.run(['run', '--rm', '--userns=auto', 'busybox', 'sh', '-c', 'cat /proc/self/uid_map; id -u']);
    assert.equal(r.stderr, '');
    const [map, uid] = lines(r.stdout);
    const [inside, outside, count] = map!.trim().split(/\s+/).map(Number);
    assert.equal(inside, 0);
    assert.ok(outside! >= 1_000_000_000, `root is ${outside} outside`);
    assert.equal(count, 65536);
    assert.equal(uid, '0');
  });

  it('--network container:NAME shares that container\'s network namespace; host shares the host\'s', async () => {
    assert.equal((await cli.run(['run', '-d', '--name', 'netowner', 'busybox', 'sleep', '1000'])).code, 0);
    const own = await cli.run(['exec', 'netowner', 'readlink', '/proc/self/ns/net']);
    const shared = await cli.run(['run', '--rm', '--network', 'container:netowner', 'busybox', 'readlink', '/proc/self/ns/net']);
    assert.match(own.stdout, /^net:\[\d+\]\n$/);
    assert.equal(shared.stdout, own.stdout);
    const none = await cli.run(['run', '--rm', 'busybox', 'readlink', '/proc/self/ns/net']);
    assert.notEqual(none.stdout, own.stdout);
    const host = await cli.run(['run', '--rm', '--network', 'host', 'busybox', 'readlink', '/proc/self/ns/net']);
    assert.equal(host.stdout.trim(), readlinkSync('/proc/self/ns/net'));
    assert.equal((await cli.run(['rm', '-f', 'netowner'])).code, 0);
  });

  it('--explain narrates clone flags, mounts, pivot_root and the exec', async () => {
    const r = await cli.run(['--explain', 'run', '--rm', 'busybox', 'true']);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /clone3?\(CLONE_NEWNS\|CLONE_NEWPID\|CLONE_NEWUTS\|CLONE_NEWIPC\|CLONE_NEWNET\) = pid \d+/);
    assert.match(r.stderr, /mount -t overlay -o lowerdir=[^ ]+,upperdir=[^ ]+,workdir=[^ ]+ overlay /);
    assert.match(r.stderr, /mount -t proc /);
    assert.match(r.stderr, /pivot_root \. \./);
    assert.match(r.stderr, /execve\(\/bin\/true\)/);
    assert.match(r.stderr, /^\[ +\d+\.\d ms\] /m, 'each step shows its time');
  });
});

describe('a detached container', () => {
  it('runs in the background: ps, logs, exec, top, inspect, stop, rm', async () => {
    const started = await cli.run(['run', '-d', '--name', 'bg', '--hostname', 'bghost', 'busybox', 'sh', '-c', 'echo hello from bg; exec sleep 1000']);
    assert.equal(started.code, 0, started.stderr);
    const id = started.stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.match((await cli.run(['ps'])).stdout, new RegExp(`${id.slice(0, 12)} +busybox +"sh -c echo hello fr…" .* Up .* bg\\n`));
    assert.ok(await waitUntil(() => readFileSync(join(cli.stateDir, 'containers', id, 'container.log'), 'utf8').includes('hello'), 5000));
    assert.equal((await cli.run(['logs', 'bg'])).stdout, 'hello from bg\n');

    const exec = await cli.run(['exec', id.slice(0, 6), 'sh', '-c', 'hostname; cat /proc/1/cmdline | tr "\\0" " "; echo; echo $$']);
    assert.equal(exec.stderr, '');
    const [hostname, pid1, execPid] = lines(exec.stdout);
    assert.equal(hostname, 'bghost', 'exec sees the container\'s hostname');
    assert.equal(pid1!.trim(), 'sleep 1000', 'exec is in the container\'s pid namespace');
    assert.ok(Number(execPid) > 1);

    const top = await cli.run(['top', 'bg']);
    assert.match(top.stdout, /^UID +PID +PPID +CMD\n0 +\d+ +\d+ +sleep 1000\n$/);
    const [info] = JSON.parse((await cli.run(['inspect', 'bg'])).stdout) as Array<Record<string, any>>;
    assert.equal(info!.Id, id);
    assert.equal(info!.Name, 'bg');
    assert.equal(info!.State.Status, 'running');
    assert.equal(info!.State.Running, true);
    assert.ok(existsSync(`/proc/${info!.State.Pid}`), 'State.Pid is the host pid of its pid 1');
    assert.equal(info!.State.OOMKilled, false);
    assert.deepEqual(info!.Config.Cmd, ['sh', '-c', 'echo hello from bg; exec sleep 1000']);
    assert.equal(info!.HostConfig.CapAdd.length, 14, "Docker's default 14 capabilities");
    const stats = await cli.run(['stats', '--no-stream', 'bg']);
    assert.match(stats.stdout, /bg +\d+\.\d\d% +[\d.]+MiB \/ \S+ +1\n/);

    // sleep as pid 1 has no SIGTERM handler, so stop falls back to SIGKILL after -t.
    const stop = await cli.run(['stop', '-t', '1', 'bg']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.ok(await waitUntil(() => !existsSync(`/proc/${info!.State.Pid}`), 2000), 'its processes are gone');
    assert.match((await cli.run(['ps', '-a'])).stdout, /Exited \(137\) .* bg\n/);
    assert.equal((await cli.run(['ps', '-q'])).stdout, '');
    assert.equal((await cli.run(['rm', 'bg'])).code, 0);
    assert.equal((await cli.run(['ps', '-aq'])).stdout, '');
  });

  it('kill sends a signal; rm refuses a running container without -f', async () => {
    const id = (await cli.run(['run', '-d', '--init', 'busybox', 'sleep', '1000'])).stdout.trim();
    const refused = await cli.run(['rm', id]);
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /it is running; stop it first or use rm -f/);
    assert.equal((await cli.run(['kill', '-s', 'TERM', id])).code, 0);
    assert.ok(await waitUntil(() => !readFileSync(join(cli.stateDir, 'containers', id, 'state.json'), 'utf8').includes('"running"'), 5000));
    const [info] = JSON.parse((await cli.run(['inspect', id])).stdout) as Array<Record<string, any>>;
    assert.equal(info!.State.Status, 'exited');
    assert.equal(info!.State.ExitCode, 143, 'the init ended on SIGTERM');
    assert.equal((await cli.run(['rm', id])).code, 0);
  });

  it('create waits until start, then runs', async () => {
    const created = await cli.run(['create', '--name', 'later', 'busybox', 'sh', '-c', 'echo started']);
    assert.equal(created.code, 0, created.stderr);
    assert.match((await cli.run(['ps', '-a'])).stdout, /Created +later\n/);
    assert.equal((await cli.run(['logs', 'later'])).stdout, '', 'nothing ran before start');
    assert.equal((await cli.run(['start', 'later'])).code, 0);
    const logs = await cli.run(['logs', '-f', 'later']);
    assert.equal(logs.stdout, 'started\n');
    assert.match((await cli.run(['ps', '-a'])).stdout, /Exited \(0\) .* later\n/);
    assert.equal((await cli.run(['rm', 'later'])).code, 0);
  });
});

describe('after the CLI is killed', () => {
  for (const cleanup of [['gc'], ['rm', '-f', 'victim']]) {
    it(`byhand ${cleanup.join(' ')} leaves no process, mount or container behind`, async () => {
      const mountsBefore = readFileSync('/proc/self/mountinfo', 'utf8');
      const child = cli.spawn(['run', '--rm', '--name', 'victim', 'busybox', 'sleep', '1000']);
      const readPid = () => {
        const file = readdirSync(join(cli.stateDir, 'containers')).map((id) => join(cli.stateDir, 'containers', id, 'init.pid')).find(existsSync);
        return file ? Number(readFileSync(file, 'utf8')) : 0;
      };
      assert.ok(await waitUntil(() => readPid() > 0, 10_000), 'the container started');
      const pid = readPid();
      const [id] = readdirSync(join(cli.stateDir, 'containers'));
      assert.equal(findCgroups(containerCgroupName(cli.stateDir, id!)).length, 1, 'the container has its cgroup');
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      assert.ok(existsSync(`/proc/${pid}`), 'the container outlives its CLI');
      const r = await cli.run(cleanup);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(await waitUntil(() => !existsSync(`/proc/${pid}`), 5000), 'its process is gone');
      assert.deepEqual(readdirSync(join(cli.stateDir, 'containers')), []);
      assert.deepEqual(readdirSync(join(cli.stateDir, 'names')), []);
      assert.equal(readFileSync('/proc/self/mountinfo', 'utf8'), mountsBefore, 'no mount on the host');
      assert.deepEqual(findCgroups(containerCgroupName(cli.stateDir, id!)), [], 'no cgroup');
    });
  }
});

describe('byhand help and errors', () => {
  it('has --help for its commands', async () => {
    for (const command of ['run', 'ps', 'exec', 'stop', 'logs', 'inspect', 'oci']) {
      const r = await cli.run([command, '--help']);
      assert.equal(r.code, 0, `${command} --help`);
      assert.match(r.stdout, new RegExp(`^Usage: byhand ${command}`), command);
    }
  });

  it('names an unknown container and command', async () => {
    const r = await cli.run(['inspect', 'nobody']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /no such container: nobody/);
    const c = await cli.run(['frobnicate']);
    assert.equal(c.code, 125);
    assert.match(c.stderr, /unknown command frobnicate/);
  });

  it('keeps names unique', async () => {
    assert.equal((await cli.run(['create', '--name', 'twin', 'busybox', 'true'])).code, 0);
    const again = await cli.run(['create', '--name', 'twin', 'busybox', 'true']);
    assert.equal(again.code, 125);
    assert.match(again.stderr, /the name twin is already used/);
    assert.equal((await cli.run(['rm', 'twin'])).code, 0);
  });
});

