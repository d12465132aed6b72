import assert from 'node:assert/strict';
import test from 'node:test';
import { missingPackages, parseOsRelease, systemProblems, wantedPackages } from '../lib/system.mjs';

const DEBIAN = parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n');
const UBUNTU = parseOsRelease('PRETTY_NAME="Ubuntu 24.04 LTS"\nID=ubuntu\nID_LIKE=debian\n');
const FEDORA = parseOsRelease('PRETTY_NAME="Fedora Linux 40"\nID=fedora\n');
const READY = { platform: 'linux', nodeVersion: 'v20.19.0', uid: 0, os: DEBIAN, missing: [] };

test('a Debian machine run as root with everything installed has no problems', () => {
  assert.deepEqual(systemProblems(READY), []);
});

test('as root on Debian or Ubuntu, missing packages are not a problem: the set-up installs them', () => {
  assert.deepEqual(systemProblems({ ...READY, missing: ['nftables'] }), []);
  assert.deepEqual(systemProblems({ ...READY, os: UBUNTU, missing: ['nftables'] }), []);
});

test('not root with a missing package: says to use root and prints the exact apt-get command', () => {
  const problems = systemProblems({ ...READY, uid: 1000, missing: ['nftables', 'chromium'] });
  assert.ok(problems.some((p) => p.includes('must run as root')), problems.join('\n'));
  assert.ok(problems.some((p) => p.includes('sudo apt-get install -y nftables chromium')), problems.join('\n'));
});

test('not Debian or Ubuntu: names the system and prints the packages to install', () => {
  const problems = systemProblems({ ...READY, os: FEDORA, missing: ['mmdebstrap'] });
  assert.ok(problems.some((p) => p.includes('Fedora Linux 40')), problems.join('\n'));
  assert.ok(problems.some((p) => p.includes('apt-get install -y mmdebstrap') && !p.includes('sudo')), problems.join('\n'));
});

test('old Node.js and other kernels are refused with what to do', () => {
  assert.match(systemProblems({ ...READY, nodeVersion: 'v18.20.0' }).join('\n'), /Node\.js 20 or newer is needed, but this is v18\.20\.0/);
  assert.match(systemProblems({ ...READY, platform: 'darwin' }).join('\n'), /needs Linux .* but this is darwin/);
});

test('chromium is wanted only for the tests', () => {
  assert.ok(wantedPackages({ forTests: true }).includes('chromium'));
  assert.ok(!wantedPackages({ forTests: false }).includes('chromium'));
});

test('dpkg-query tells installed packages from missing ones', () => {
  assert.deepEqual(missingPackages(['bash', 'byhand-no-such-package']), ['byhand-no-such-package']);
});
