/** What the machine must be and have before anything else runs. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const BASE_PACKAGES = [
  'mmdebstrap',
  'debian-archive-keyring', // mmdebstrap verifies the Debian archive with it (not preinstalled on Ubuntu)
  'build-essential',
  'python3',
  'pkg-config',
  'libseccomp-dev',
  'iproute2',
  'nftables',
  'iptables', // the NAT fallback where nft is missing
  'busybox-static', // the busybox image and the runtime's tests
  'curl',
  'procps',
  'psmisc',
  'util-linux',
  'e2fsprogs', // chattr: the sandbox tools are made immutable
  'attr', // setfattr/getfattr: overlay opaque-directory xattrs in image layers
  'fonts-dejavu-core',
  'ca-certificates',
];

// Only for the tests: the browser for end to end, QEMU for the cgroup v2 VM (infra/vm/), a
// registry and the OCI tools the image tests build, push and read images with.
const TEST_PACKAGES = ['chromium', 'qemu-system-x86', 'qemu-utils', 'shellcheck', 'docker-registry', 'skopeo', 'umoci'];

/** Debian packages the project needs; the browser and the VM only for the tests. */
export function wantedPackages({ forTests }) {
  return forTests ? [...BASE_PACKAGES, ...TEST_PACKAGES] : [...BASE_PACKAGES];
}

export function aptInstallCommand(packages) {
  return `apt-get install -y ${packages.join(' ')}`;
}

/** Parses /etc/os-release (KEY=value, values optionally quoted). */
export function parseOsRelease(text) {
  const fields = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) fields[match[1]] = match[2].replace(/^(["'])(.*)\1$/, '$2');
  }
  return fields;
}

export function readOsRelease(path = '/etc/os-release') {
  try {
    return parseOsRelease(readFileSync(path, 'utf8'));
  } catch {
    return {};
  }
}

export function isDebianLike(os) {
  const ids = [os.ID, ...(os.ID_LIKE ?? '').split(/\s+/)];
  return ids.includes('debian') || ids.includes('ubuntu');
}

/** The wanted packages that dpkg does not list as installed (all of them without dpkg). */
export function missingPackages(wanted) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Package}\t${db:Status-Status}\n', ...wanted], {
    encoding: 'utf8',
  });
  if (result.error) return [...wanted];
  const installed = new Set(
    result.stdout
      .split('\n')
      .map((line) => line.split('\t'))
      .filter(([, status]) => status === 'installed')
      .map(([name]) => name.replace(/:.*$/, '')),
  );
  return wanted.filter((name) => !installed.has(name));
}

/**
 * Everything that stops the set-up on this machine, each with what to do about it. Pure, so
 * that a test can ask "what if we were not root?" without being someone else.
 */
export function systemProblems({ platform, nodeVersion, uid, os, missing }) {
  const problems = [];
  if (platform !== 'linux') {
    problems.push(`Containers by Hand needs Linux (its sandboxes are Linux namespaces), but this is ${platform}.`);
  }
  const major = Number(/^v?(\d+)/.exec(nodeVersion)?.[1]);
  if (!(major >= 20)) problems.push(`Node.js 20 or newer is needed, but this is ${nodeVersion}: install a newer Node.js.`);
  const debian = isDebianLike(os);
  if (!debian) {
    problems.push(
      `The set-up installs what it needs with apt and supports Debian and Ubuntu, but this is ${os.PRETTY_NAME ?? 'an unknown system'}.`,
    );
  }
  if (uid !== 0) {
    problems.push('The set-up must run as root: it builds the lab image and the sandboxes need root to create namespaces. Run it with sudo.');
  }
  if (missing.length > 0 && (uid !== 0 || !debian)) {
    problems.push(`These packages are missing: ${missing.join(', ')}. Install them with:\n    ${uid === 0 ? '' : 'sudo '}${aptInstallCommand(missing)}`);
  }
  return problems;
}
