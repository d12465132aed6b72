import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { labSources, parseDeb822, parseOneLine, readHostSources } from '../lib/apt-sources.mjs';

test('one-line sources: options in brackets and comments are understood', () => {
  const text = '# a comment\ndeb [signed-by=/k.gpg arch=amd64] http://mirror.example/debian bookworm main\ndeb-src http://x/debian bookworm main\n';
  assert.deepEqual(parseOneLine(text), [{ uri: 'http://mirror.example/debian', suites: ['bookworm'] }]);
});

test('deb822 sources: several suites, disabled stanzas and deb-src are handled', () => {
  const text = [
    'Types: deb deb-src',
    'URIs: http://mirror.example/debian',
    'Suites: bookworm bookworm-updates',
    'Components: main',
    '',
    'Types: deb',
    'URIs: http://old.example/debian',
    'Suites: bookworm',
    'Enabled: no',
  ].join('\n');
  assert.deepEqual(parseDeb822(text), [{ uri: 'http://mirror.example/debian', suites: ['bookworm', 'bookworm-updates'] }]);
});

test('the lab image uses the host mirror for its suite, updates and security', () => {
  const entries = [
    { uri: 'http://mirror.example/debian', suites: ['bookworm', 'bookworm-updates'] },
    { uri: 'http://mirror.example/debian-security', suites: ['bookworm-security'] },
  ];
  assert.deepEqual(labSources(entries, 'bookworm', ['main']), [
    'deb http://mirror.example/debian bookworm main',
    'deb http://mirror.example/debian bookworm-updates main',
    'deb http://mirror.example/debian-security bookworm-security main',
  ]);
});

test('a Debian host on another release still lends its mirror; Ubuntu falls back to Debian', () => {
  const trixie = [{ uri: 'http://mirror.example/debian/', suites: ['trixie'] }];
  assert.equal(labSources(trixie, 'bookworm', ['main'])[0], 'deb http://mirror.example/debian/ bookworm main');
  const ubuntu = [{ uri: 'http://archive.ubuntu.com/ubuntu', suites: ['noble'] }];
  assert.deepEqual(labSources(ubuntu, 'bookworm', ['main']), [
    'deb http://deb.debian.org/debian bookworm main',
    'deb http://deb.debian.org/debian bookworm-updates main',
    'deb http://deb.debian.org/debian-security bookworm-security main',
  ]);
});

test('only .list and .sources files count, as for apt', () => {
  const dir = mkdtempSync(join(tmpdir(), 'byhand-apt-'));
  try {
    mkdirSync(join(dir, 'sources.list.d'));
    writeFileSync(join(dir, 'sources.list'), 'deb http://a.example/debian bookworm main\n');
    writeFileSync(join(dir, 'sources.list.d', 'b.sources'), 'Types: deb\nURIs: http://b.example/debian\nSuites: bookworm\n');
    writeFileSync(join(dir, 'sources.list.d', 'c.list.disabled'), 'deb http://c.example/debian bookworm main\n');
    assert.deepEqual(
      readHostSources(dir).map((entry) => entry.uri),
      ['http://a.example/debian', 'http://b.example/debian'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
