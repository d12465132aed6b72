/** The offline copies the classroom VM test provisions from (lib/offline.mjs): their pure parts. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RECIPE_DIR } from '../lib/image.mjs';
import { installedNames, parsePackageList, releaseFile, SUITES, overrideFile } from '../lib/offline.mjs';

test('the package list reads names and skips comments and blank lines', () => {
  assert.deepEqual(parsePackageList('# comment\ncaddy\n\n  rsync  # why\n'), ['caddy', 'rsync']);
  const own = parsePackageList(readFileSync(join(RECIPE_DIR, '..', 'provision', 'packages.txt'), 'utf8'));
  assert.ok(own.includes('caddy') && own.includes('rsync'), own.join(' '));
});

test('only installed packages of a dpkg status file count', () => {
  const status = [
    'Package: bash\nStatus: install ok installed\nVersion: 5.2',
    'Package: gone\nStatus: deinstall ok config-files\nVersion: 1',
    'Package: libc6\nStatus: install ok installed\nArchitecture: amd64',
  ].join('\n\n');
  assert.deepEqual(installedNames(status), ['bash', 'libc6']);
});

test('a Release file names its suite and the SHA-256 and size of each index', () => {
  const text = releaseFile('bookworm-security', { 'main/binary-amd64/Packages': Buffer.from('abc') }, new Date(0));
  assert.match(text, /^Suite: bookworm-security\nCodename: bookworm-security\n/m);
  assert.match(text, /^Date: Thu, 01 Jan 1970 00:00:00 GMT$/m);
  assert.match(text, /^SHA256:\n ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad {10}3 main\/binary-amd64\/Packages\n$/m);
  assert.deepEqual(SUITES, ['bookworm', 'bookworm-updates', 'bookworm-security'], 'what scripts/lib/apt-sources.mjs looks for');
});

test('the offline repository keeps the archive\'s priorities (minbase takes Priority:required, apt among them)', () => {
  const show = [
    'Package: apt\nVersion: 2.6.1\nPriority: required\nSection: admin\n',
    'Package: apt\nVersion: 2.6.0\nPriority: important\nSection: admin\n',
    'Package: libstdc++6\nSource: gcc-12\nPriority: optional\nSection: libs\n',
    'Package: no-priority\nSection: misc\n',
  ].join('\n');
  assert.equal(overrideFile(show), 'apt required admin\nlibstdc++6 optional libs\n');
});
