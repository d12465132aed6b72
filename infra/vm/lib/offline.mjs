/**
 * What the provisioning test needs from the internet, made on the host so that the VM (which has
 * no network) can provision from nothing:
 *
 *   debian/    a signed apt repository (suites bookworm, bookworm-updates, bookworm-security)
 *              holding every package provisioning installs and every package of the lab image,
 *              downloaded by the host's apt from the host's mirror;
 *   key.asc    the throw-away key that signed it (the guest trusts it, as it would Debian's);
 *   node/      a Node.js tarball laid out like nodejs.org's, made from the host's node and npm,
 *              with its SHASUMS256.txt, for provisioning's "no Node 20 here" path.
 *
 * The npm packages are not in it: the checkout shared with the VM carries its node_modules and
 * build output, so provisioning's npm step finds them current (see infra/README.md, "Testing").
 * Cached in $BYHAND_STATE_DIR/vm/offline, rebuilt when the list of packages changes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readKey, sha256 } from '../../../scripts/lib/hash.mjs';
import { wantedPackages } from '../../../scripts/lib/system.mjs';

// Bump when the layout below changes, so that a cached repository is rebuilt. Recommends are
// included: scripts/setup.mjs installs with them, as apt does by default.
const LAYOUT = 'offline-4';
export const SUITES = ['bookworm', 'bookworm-updates', 'bookworm-security'];

/** Package names from infra/provision/packages.txt (one a line, # comments). */
export function parsePackageList(text) {
  return text.split('\n').map((line) => line.replace(/#.*/, '').trim()).filter(Boolean);
}

/** Names of the packages a dpkg status file lists as installed. */
export function installedNames(statusText) {
  return statusText.split(/\n\s*\n/)
    .filter((stanza) => /^Status: install ok installed$/m.test(stanza))
    .map((stanza) => /^Package: (\S+)$/m.exec(stanza)?.[1])
    .filter(Boolean);
}

/** Everything the VM will install: provisioning's packages, setup's, and the lab image's. */
export function offlinePackages({ repo, stateDir }) {
  const labStatus = join(stateDir, 'images', 'lab', 'rootfs', 'var', 'lib', 'dpkg', 'status');
  if (!existsSync(labStatus)) throw new Error(`${labStatus} is missing: run \`npm run setup\` first (the VM's lab image is made from the same packages as this host's)`);
  const own = parsePackageList(readFileSync(join(repo, 'infra', 'provision', 'packages.txt'), 'utf8'));
  // The recipe too: it may name packages the host's lab image was built without.
  const recipe = JSON.parse(readFileSync(join(repo, 'infra', 'images', 'lab', 'recipe.json'), 'utf8')).packages;
  const names = new Set([...own, ...wantedPackages({ forTests: false }), ...recipe, ...installedNames(readFileSync(labStatus, 'utf8'))]);
  return [...names].sort();
}

/** A Release file over the suite's index files (name relative to dists/<suite>/ -> bytes). */
export function releaseFile(suite, files, date = new Date()) {
  const lines = [
    'Origin: byhand-offline',
    'Label: Containers by Hand offline test repository',
    `Suite: ${suite}`,
    `Codename: ${suite}`,
    `Date: ${date.toUTCString()}`,
    'Architectures: amd64',
    'Components: main',
    'SHA256:',
  ];
  for (const [name, bytes] of Object.entries(files)) {
    lines.push(` ${createHash('sha256').update(bytes).digest('hex')} ${String(bytes.length).padStart(10)} ${name}`);
  }
  return `${lines.join('\n')}\n`;
}

export function offlinePaths(stateDir) {
  const dir = join(stateDir, 'vm', 'offline');
  return { dir, keyFile: join(dir, 'packages.sha256') };
}

/**
 * Builds the repository unless the cached one holds the same packages. run(file, args, opts)
 * runs a command; capture(file, args, opts) runs one and returns its stdout. Returns 'cached' or 'built'.
 */
export async function ensureOfflineRepo({ repo, stateDir, run, capture, log }) {
  const { dir, keyFile } = offlinePaths(stateDir);
  const packages = offlinePackages({ repo, stateDir });
  const key = sha256([LAYOUT, process.version, ...packages].join('\n'));
  if (readKey(keyFile) === key) return 'cached';

  const build = `${dir}.build-${process.pid}`;
  rmSync(build, { recursive: true, force: true });
  try {
    await downloadDebs({ build, packages, run, log });
    await writeIndexes({ build, capture, log });
    await makeNodeTarball({ build, run, log });
    writeFileSync(join(build, 'packages.sha256'), `${key}\n`);
  } catch (err) {
    rmSync(build, { recursive: true, force: true });
    throw err;
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(build, dir);
  return 'built';
}

/** apt-get --download-only against an empty dpkg status: the whole dependency closure. */
async function downloadDebs({ build, packages, run, log }) {
  const pool = join(build, 'debian', 'pool');
  mkdirSync(join(pool, 'partial'), { recursive: true });
  const status = join(build, 'empty-status');
  writeFileSync(status, '');
  log(`apt-get download of ${packages.length} packages and their dependencies into ${pool}`);
  await run('apt-get', [
    'install', '-y', '-q', '--download-only',
    '-o', `Dir::State::status=${status}`,
    '-o', `Dir::Cache::archives=${pool}`,
    '-o', 'Debug::NoLocking=1',
    ...packages,
  ], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, quiet: true });
  rmSync(join(pool, 'partial'), { recursive: true, force: true });
  rmSync(join(pool, 'lock'), { force: true });
  rmSync(status);
}

/**
 * dpkg-scanpackages's override file ("package priority section" lines) from what the host's apt
 * knows (`apt-cache show` text). Without it each package keeps the priority of its own control
 * file, which is not the archive's: apt itself has none there, and mmdebstrap's minbase (the
 * lab image), which takes Priority:required packages, then made an image without apt.
 */
export function overrideFile(aptCacheShowText) {
  const lines = new Map();
  for (const stanza of aptCacheShowText.split(/\n\s*\n/)) {
    const field = (name) => new RegExp(`^${name}: (\\S+)$`, 'm').exec(stanza)?.[1];
    const [name, priority, section] = [field('Package'), field('Priority'), field('Section')];
    if (name && priority && section && !lines.has(name)) lines.set(name, `${name} ${priority} ${section}`);
  }
  return [...lines.values(), ''].join('\n');
}

/** Package names of the .deb files in pool ("name_version_arch.deb"). */
const poolNames = (pool) => [...new Set(readdirSync(pool).filter((f) => f.endsWith('.deb')).map((f) => f.split('_')[0]))];

async function writeIndexes({ build, capture, log }) {
  const root = join(build, 'debian');
  const override = join(build, 'override');
  writeFileSync(override, overrideFile(await capture('apt-cache', ['show', '--no-all-versions', ...poolNames(join(root, 'pool'))])));
  const packagesText = await capture('dpkg-scanpackages', ['--multiversion', 'pool', override], { cwd: root });
  rmSync(override);
  const count = (packagesText.match(/^Package: /gm) ?? []).length;
  log(`indexed ${count} .deb files; signing with a throw-away key`);
  const gnupg = mkdtempSync(join(tmpdir(), 'byhand-offline-gpg-'));
  try {
    // No expiry: the cached repository must stay valid for as long as it is cached.
    const gpg = (args) => capture('gpg', ['--batch', '--homedir', gnupg, ...args]);
    await gpg(['--passphrase', '', '--quick-gen-key', 'Containers by Hand offline test repository', 'ed25519', 'sign', 'never']);
    for (const suite of SUITES) {
      const binDir = join(root, 'dists', suite, 'main', 'binary-amd64');
      mkdirSync(binDir, { recursive: true });
      // Updates and security are empty: the packages are all in the one pool, indexed once.
      const text = suite === 'bookworm' ? packagesText : '';
      writeFileSync(join(binDir, 'Packages'), text);
      const release = join(root, 'dists', suite, 'Release');
      writeFileSync(release, releaseFile(suite, { 'main/binary-amd64/Packages': Buffer.from(text) }));
      await gpg(['--clearsign', '--output', join(dirname(release), 'InRelease'), release]);
    }
    writeFileSync(join(build, 'key.asc'), await gpg(['--armor', '--export']));
  } finally {
    rmSync(gnupg, { recursive: true, force: true });
  }
}

/** node-vX-linux-x64.tar.gz like nodejs.org's: bin/node, bin/npm, lib/node_modules/npm. */
async function makeNodeTarball({ build, run, log }) {
  const npmDir = '/usr/lib/node_modules/npm';
  if (!existsSync(npmDir)) throw new Error(`${npmDir} is missing: the VM test packs this host's node with its npm`);
  const name = `node-${process.version}-linux-x64`;
  const stage = join(build, 'stage', name);
  mkdirSync(join(stage, 'bin'), { recursive: true });
  mkdirSync(join(stage, 'lib', 'node_modules'), { recursive: true });
  await run('cp', ['-a', process.execPath, join(stage, 'bin', 'node')]);
  await run('cp', ['-a', npmDir, join(stage, 'lib', 'node_modules', 'npm')]);
  await run('ln', ['-s', '../lib/node_modules/npm/bin/npm-cli.js', join(stage, 'bin', 'npm')]);
  await run('ln', ['-s', '../lib/node_modules/npm/bin/npx-cli.js', join(stage, 'bin', 'npx')]);
  const nodeDir = join(build, 'node');
  mkdirSync(nodeDir);
  const tarball = `${name}.tar.gz`;
  await run('tar', ['-C', dirname(stage), '-czf', join(nodeDir, tarball), name]);
  rmSync(join(build, 'stage'), { recursive: true });
  const digest = createHash('sha256').update(readFileSync(join(nodeDir, tarball))).digest('hex');
  writeFileSync(join(nodeDir, 'SHASUMS256.txt'), `${digest}  ${tarball}\n`);
  log(`${tarball}: ${(statSync(join(nodeDir, tarball)).size / 2 ** 20).toFixed(0)} MiB`);
}

/** Total size of a directory tree in MiB, for the log. */
export function sizeMiB(dir) {
  let bytes = 0;
  const walk = (path) => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      const info = statSync(full);
      if (info.isDirectory()) walk(full);
      else bytes += info.size;
    }
  };
  walk(dir);
  return Math.round(bytes / 2 ** 20);
}
