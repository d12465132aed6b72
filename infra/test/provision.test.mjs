/**
 * infra/provision.sh without a VM: shellcheck, and its pieces run in bash one by one. The whole
 * of it is tested by booting a VM and provisioning it (npm run test:vm, infra/vm/README.md).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { parse } from 'yaml';

const INFRA = join(dirname(fileURLToPath(import.meta.url)), '..');
const LIB = join(INFRA, 'provision', 'lib.sh');

/** Runs a bash snippet with provision/lib.sh sourced; returns {code, out}. */
function inBash(snippet, env = {}) {
  const result = spawnSync('bash', ['-c', `set -euo pipefail; . '${LIB}'; ${snippet}`], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: result.status, out: result.stdout + result.stderr };
}

test('shellcheck finds nothing in the provisioning script and the VM suites', () => {
  const found = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
  assert.ok(!found.error, 'shellcheck is missing: install Debian\'s shellcheck (apt-get install -y shellcheck)');
  const files = ['provision.sh', 'vm/suites/classroom.sh', 'vm/suites/runtime-cgroups-v2.sh'];
  const result = spawnSync('shellcheck', ['-x', ...files], { cwd: INFRA, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stdout + result.stderr);
});

test('--help explains the options, and an unknown option is refused by name', () => {
  const help = spawnSync(join(INFRA, 'provision.sh'), ['--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  for (const option of ['--domain', '--address', '--access-code', '--max-sessions', '--egress on\\|off']) assert.match(help.stdout, new RegExp(option));
  const bad = spawnSync(join(INFRA, 'provision.sh'), ['--egres', 'on'], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /unknown option --egres \(see --help\)/);
});

describe('machine checks', () => {
  test('kernel 5.11 and newer pass, older ones do not', () => {
    const ok = (release) => inBash(`kernel_at_least '${release}' 5 11`).code === 0;
    assert.ok(ok('6.1.0-13-amd64'));
    assert.ok(ok('5.11.0'));
    assert.ok(ok('5.15.0-91-generic'));
    assert.ok(!ok('5.10.0-28-amd64'));
    assert.ok(!ok('4.19.0-25-amd64'));
  });

  test('only the supported systems pass', () => {
    for (const system of ['debian 12', 'ubuntu 22.04', 'ubuntu 24.04']) assert.equal(inBash(`os_supported ${system}`).code, 0, system);
    for (const system of ['debian 11', 'ubuntu 20.04', 'fedora 40']) assert.equal(inBash(`os_supported ${system}`).code, 1, system);
  });

  test('cgroup v1 is refused with the way to boot cgroup v2', () => {
    assert.equal(inBash('cgroup_problem cgroup2fs').code, 1);
    const v1 = inBash('cgroup_problem tmpfs');
    assert.equal(v1.code, 0);
    assert.match(v1.out, /cgroup v1 \(\/sys\/fs\/cgroup is tmpfs\).*systemd\.unified_cgroup_hierarchy=1.*update-grub, reboot/s);
  });
});

describe('files it writes', () => {
  test('put_file writes once, then reports nothing to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-'));
    try {
      const snippet = `owner="$(id -un):$(id -gn)"; echo hello | put_file '${dir}/f' 640 "$owner" && echo wrote1; ` +
        `echo hello | put_file '${dir}/f' 640 "$owner" || echo same; echo changes=\${#CHANGES[@]}`;
      const { code, out } = inBash(snippet);
      assert.equal(code, 0, out);
      assert.match(out, /changed: .*\/f\nwrote1\nsame\nchanges=1/);
      assert.equal(statSync(join(dir, 'f')).mode & 0o777, 0o640);
      assert.equal(readFileSync(join(dir, 'f'), 'utf8'), 'hello\n');
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test('Caddy: the terminals go to the agent, the rest to the site, on a domain or on port 80', () => {
    const domain = inBash('caddyfile course.example.org').out;
    assert.match(domain, /^course\.example\.org \{$/m);
    assert.match(domain, /@terminal path \/v1\/sessions\/\*\/tty\n\thandle @terminal \{\n\t\treverse_proxy 127\.0\.0\.1:3001\n/);
    assert.match(domain, /handle \{\n\t\tencode zstd gzip\n\t\treverse_proxy 127\.0\.0\.1:3000\n/);
    assert.equal(domain.match(/127\.0\.0\.1:3001/g).length, 1, 'only the terminals reach the agent: its API and metrics stay on loopback');
    assert.match(inBash('caddyfile :80').out, /^:80 \{$/m);
  });

  test('the settings keep the agent on loopback and name the public origin', () => {
    const ip = inBash(`DOMAIN='' ADDRESS=10.1.2.3 ACCESS_CODE=abc MAX_SESSIONS=40 EGRESS=off; settings_env "$(public_origin)"`).out;
    for (const line of ['BYHAND_AGENT_HOST=127.0.0.1', 'BYHAND_AGENT_PUBLIC_URL=http://10.1.2.3', 'BYHAND_ALLOWED_ORIGINS=http://10.1.2.3', 'BYHAND_ACCESS_CODE=abc', 'BYHAND_MAX_SESSIONS=40', 'BYHAND_STATE_DIR=/var/lib/byhand']) {
      assert.ok(ip.split('\n').includes(line), `${line} in:\n${ip}`);
    }
    const https = inBash(`DOMAIN=course.example.org ADDRESS='' ACCESS_CODE='' MAX_SESSIONS=50 EGRESS=off; settings_env "$(public_origin)"`).out;
    assert.ok(https.split('\n').includes('BYHAND_AGENT_PUBLIC_URL=https://course.example.org'), https);
  });

  test('--egress: off unless chosen, kept from the last run, passed to the agent as BYHAND_EGRESS', () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-'));
    try {
      const egress = (snippet) => inBash(`ETC='${dir}'; ${snippet} load_settings; settings_env x`).out.split('\n').filter((l) => l.startsWith('BYHAND_EGRESS='));
      assert.deepEqual(egress(''), ['BYHAND_EGRESS=off']);
      assert.deepEqual(egress('OPT_EGRESS=on;'), ['BYHAND_EGRESS=on']);
      writeFileSync(join(dir, 'settings.env'), 'BYHAND_DOMAIN=\nBYHAND_MAX_SESSIONS=40\nBYHAND_EGRESS=on\n');
      assert.deepEqual(egress(''), ['BYHAND_EGRESS=on'], 'a later run without --egress keeps it on');
      assert.deepEqual(egress('OPT_EGRESS=off;'), ['BYHAND_EGRESS=off']);
      const bad = inBash(`ETC='${dir}' OPT_EGRESS=yes; load_settings`);
      assert.equal(bad.code, 1);
      assert.match(bad.out, /--egress must be on or off, got 'yes'/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test('bad option values are refused before anything is written', () => {
    const result = inBash(`ETC=/nonexistent OPT_ACCESS_CODE='a b'; load_settings`);
    assert.equal(result.code, 1);
    assert.match(result.out, /--access-code may hold letters, digits, - and _ only/);
  });

  test('the steps of scripts/setup.mjs that did something are found in its output', () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-'));
    try {
      const log = join(dir, 'log');
      writeFileSync(log, [
        '[setup] system check ... done (0.1 s)',
        '[setup] Debian packages ... cached',
        '[setup] lab image ...',
        '    I: running apt-get update...',
        '[setup] lab image ... done (20.2 s)',
        '[setup] web build ... skipped: apps/web/app does not exist yet',
        '[setup] sandbox tools ... done (1.0 s): for learner sandboxes, mounted at /opt/byhand',
      ].join('\n'));
      assert.deepEqual(inBash(`setup_steps_done '${log}'`).out.trim().split('\n'), ['lab image', 'sandbox tools'], 'the system check only looks, though it says "done"');
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('systemd units', () => {
  const unit = (name) => readFileSync(join(INFRA, 'provision', 'systemd', `${name}.service`), 'utf8');
  const has = (text, line) => assert.ok(text.split('\n').includes(line), `missing "${line}"`);

  test('the agent restarts on failure, with cgroup delegation and limits', () => {
    const agent = unit('byhand-agent');
    for (const line of ['Restart=on-failure', 'Delegate=yes', 'MemoryMax=90%', 'TasksMax=32768', 'LimitNOFILE=65536', 'WantedBy=multi-user.target']) has(agent, line);
    assert.match(agent, /^ExecStart=\/opt\/byhand\/bin\/node --max-old-space-size=\d+ --import tsx src\/main\.ts$/m);
    assert.doesNotMatch(agent, /^User=/m, 'the agent must be root to make namespaces and mounts');
  });

  test('the site runs unprivileged, on loopback, and restarts on failure', () => {
    const web = unit('byhand-web');
    for (const line of ['User=byhand', 'Restart=on-failure', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'WantedBy=multi-user.target']) has(web, line);
    assert.match(web, /next start -p 3000 -H 127\.0\.0\.1$/m);
  });

  test('the units use the paths provisioning installs to', () => {
    const paths = inBash('echo "$APP $BIN $ETC"').out.trim().split(' ');
    for (const name of ['byhand-agent', 'byhand-web']) {
      const text = unit(name);
      for (const path of paths) assert.ok(text.includes(path), `${name}.service does not use ${path}`);
    }
  });
});

test('cloud-init runs the same provisioning command on first boot', () => {
  const text = readFileSync(join(INFRA, 'cloud-init.yaml'), 'utf8');
  assert.ok(text.startsWith('#cloud-config\n'), 'cloud-init reads user data as config only after "#cloud-config"');
  const config = parse(text);
  assert.ok(config.packages.includes('git'));
  const env = config.write_files.find((file) => file.path === '/root/byhand-provision.env');
  assert.match(env.content, /^BYHAND_PROVISION_ARGS="--domain \S+ --access-code \S+"$/m);
  const script = config.runcmd.flat().join('\n');
  assert.match(script, /git clone --branch "\$BYHAND_REF" --depth 1 "\$BYHAND_REPO" \/opt\/byhand\/src/);
  assert.match(script, /\/opt\/byhand\/src\/infra\/provision\.sh \$BYHAND_PROVISION_ARGS/);
  const check = spawnSync('bash', ['-n', '-c', config.runcmd[0][2]], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
});
