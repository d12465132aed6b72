/** The helper's privilege options against the real kernel: capabilities, seccomp, no_new_privs, --user, exit codes. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { containerArgs, makeBusyboxRootfs, requireRoot, runHelper, runScript } from './helpers.js';

let rootfs: string;

/* A tiny static program that reports how the kernel answers a few system calls. */
const PROBE = `
#include <errno.h>
#include <stdio.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
static const char *answer(long r) { return r >= 0 ? "ok" : errno == ENOSYS ? "ENOSYS" : errno == EPERM ? "EPERM" : "other"; }
int main(void) {
  printf("keyctl %s\\n", answer(syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0)));
  printf("io_uring_setup %s\\n", answer(syscall(SYS_io_uring_setup, 1, NULL)));
  printf("personality %s\\n", answer(personality(READ_IMPLIES_EXEC)));
  printf("query %s\\n", answer(personality(0xffffffff)));
  printf("vsock %s\\n", answer(socket(AF_VSOCK, SOCK_STREAM, 0)));
  long attached = ptrace(PTRACE_ATTACH, 1, 0, 0);
  printf("ptrace-pid-1 %s\\n", answer(attached));
  if (attached == 0) ptrace(PTRACE_DETACH, 1, 0, 0);
  return 0;
}`;

before(() => {
  requireRoot();
  rootfs = makeBusyboxRootfs();
  writeFileSync(join(rootfs, 'probe.c'), PROBE);
  try {
    execFileSync('cc', ['-static', '-O', '-o', join(rootfs, 'bin', 'probe'), join(rootfs, 'probe.c')], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`cannot compile the seccomp probe with cc (install gcc and libc6-dev): ${String(e)}`);
  }
  writeFileSync(join(rootfs, 'etc', 'not-a-program'), 'just text\n');
  chmodSync(join(rootfs, 'etc', 'not-a-program'), 0o644);
});
after(() => rmSync(rootfs, { recursive: true, force: true }));

describe('--cap', () => {
  it('keeps only the named capabilities: with chown alone, hostname is refused', async () => {
    const r = await runScript(rootfs, 'grep -E "^Cap(Eff|Bnd)" /proc/self/status; hostname other', ['--cap', 'chown']);
    assert.match(r.stdout, /CapEff:\s+0000000000000001/);
    assert.match(r.stdout, /CapBnd:\s+0000000000000001/);
    assert.match(r.stderr, /Operation not permitted/);
    assert.notEqual(r.code, 0);
  });
  it('accepts CAP_ names and keeps all by default', async () => {
    const some = await runScript(rootfs, 'grep ^CapEff /proc/self/status', ['--cap', 'CAP_CHOWN,CAP_SYS_ADMIN']);
    assert.match(some.stdout, /CapEff:\s+0000000000200001/);
    const all = await runScript(rootfs, 'grep ^CapEff /proc/self/status; hostname other && hostname');
    assert.match(all.stdout, /CapEff:\s+000001ffffffffff/);
    assert.match(all.stdout, /other/);
  });
  it('rejects an unknown capability with 125', async () => {
    const r = await runScript(rootfs, 'true', ['--cap', 'chown,flying']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /unknown capability 'flying'/);
  });
});

describe('--seccomp', () => {
  it('denies keyring, io_uring and dangerous personality flags by default, while unshare still works', async () => {
    const r = await runScript(rootfs, 'probe; unshare --uts --mount sh -c "hostname inner; hostname"');
    assert.equal(r.stderr, '');
    assert.deepEqual(r.stdout.trim().split('\n'),
      ['keyctl ENOSYS', 'io_uring_setup ENOSYS', 'personality EPERM', 'query ok', 'vsock EPERM', 'ptrace-pid-1 EPERM', 'inner']);
  });
  it('confines pid 1 as well: its filter, no_new_privs, and no ptrace of it from the container', async () => {
    const r = await runScript(rootfs, 'grep -E "^(Seccomp|NoNewPrivs):" /proc/1/status');
    assert.match(r.stdout, /NoNewPrivs:\s+1/);
    assert.match(r.stdout, /Seccomp:\s+2/);
    // Through pid 1, the learner's root could make every call the filter denies.
    const traced = await runScript(rootfs, 'probe | grep ptrace; readlink /proc/1/ns/uts || echo no-link');
    assert.deepEqual(traced.stdout.trim().split('\n'), ['ptrace-pid-1 EPERM', 'no-link']);
  });
  it('unconfined lets them through to the kernel', async () => {
    const r = await runScript(rootfs, 'probe', ['--seccomp', 'unconfined']);
    assert.match(r.stdout, /keyctl ok/);
    assert.match(r.stdout, /personality ok/);
    assert.doesNotMatch(r.stdout, /io_uring_setup ENOSYS/);
  });
  it('reports the filter in /proc/self/status', async () => {
    const confined = await runScript(rootfs, 'grep ^Seccomp: /proc/self/status');
    assert.match(confined.stdout, /Seccomp:\s+2/);
    const unconfined = await runScript(rootfs, 'grep ^Seccomp: /proc/self/status', ['--seccomp', 'unconfined']);
    assert.match(unconfined.stdout, /Seccomp:\s+0/);
  });
});

describe('--oom-score-adj', () => {
  it('sets it for the container\'s processes, which cannot go below 0 again; refuses a value out of range', async () => {
    const r = await runScript(rootfs, 'cat /proc/self/oom_score_adj; echo -1 > /proc/self/oom_score_adj || echo refused', ['--oom-score-adj', '300']);
    assert.deepEqual(r.stdout.trim().split('\n'), ['300', 'refused']);
    const bad = await runScript(rootfs, 'true', ['--oom-score-adj', '1001']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /--oom-score-adj must be a number from -1000 to 1000, got '1001'/);
  });
});

describe('--no-new-privs and --user', () => {
  it('sets NoNewPrivs only when asked', async () => {
    assert.match((await runScript(rootfs, 'grep ^NoNewPrivs /proc/self/status', ['--no-new-privs'])).stdout, /NoNewPrivs:\s+1/);
    assert.match((await runScript(rootfs, 'grep ^NoNewPrivs /proc/self/status')).stdout, /NoNewPrivs:\s+0/);
  });
  it('runs the command as UID:GID with no effective capabilities', async () => {
    const r = await runScript(rootfs, 'id -u; id -g; grep ^CapEff /proc/self/status; touch /owned-by-root', ['--user', '1000:1001']);
    const [uid, gid, capEff] = r.stdout.trim().split('\n');
    assert.equal(uid, '1000');
    assert.equal(gid, '1001');
    assert.match(capEff ?? '', /CapEff:\s+0000000000000000/);
    assert.match(r.stderr, /Permission denied/);
  });
  it('takes a uid alone with gid 0, and rejects a name', async () => {
    assert.deepEqual((await runScript(rootfs, 'id -u; id -g', ['--user', '7'])).stdout.trim().split('\n'), ['7', '0']);
    const bad = await runScript(rootfs, 'true', ['--user', 'nobody']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /--user needs numeric UID\[:GID\]/);
  });
});

describe('exit codes', () => {
  it('127 when the command is not found, 126 when it cannot be executed', async () => {
    const missing = await runHelper([...containerArgs(rootfs), '--', '/bin/nonexistent']);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /exec \/bin\/nonexistent: no such file/);
    const notInPath = await runHelper([...containerArgs(rootfs), '--', 'nonexistent']);
    assert.equal(notInPath.code, 127);
    const text = await runHelper([...containerArgs(rootfs), '--', '/etc/not-a-program']);
    assert.equal(text.code, 126);
    assert.match(text.stderr, /Permission denied/);
  });
  it('finds a bare command name in the PATH, and passes signals on as 128+N', async () => {
    const found = await runHelper([...containerArgs(rootfs, ['--hostname', 'by-path']), '--', 'hostname']);
    assert.equal(found.stdout.trim(), 'by-path');
    assert.equal(found.code, 0);
    assert.equal((await runScript(rootfs, 'kill -9 $$')).code, 137);
  });
  it('with --no-init the command itself is pid 1', async () => {
    assert.equal((await runScript(rootfs, 'echo $$', ['--no-init'])).stdout, '1\n');
    assert.equal((await runScript(rootfs, 'echo $$')).stdout, '2\n');
  });
});
