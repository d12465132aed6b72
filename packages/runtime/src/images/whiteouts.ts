/**
 * How a layer says "deleted" on disk for overlayfs, and in a tarball for the OCI spec:
 *   deleted file or dir   overlay: a 0/0 character device NAME    tar: an empty file .wh.NAME
 *   opaque directory      overlay: xattr overlay.opaque=y         tar: DIR/.wh..wh..opq
 * The opaque xattr is `trusted.overlay.opaque` for overlays mounted by host root and
 * `user.overlay.opaque` for overlays mounted with `userxattr` inside a user namespace (as the
 * runtime's containers are). As host root both are written; inside a user namespace trusted.*
 * is out of reach, so only user.*.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, type Stats } from 'node:fs';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

export function isWhiteout(stat: Stats): boolean {
  return stat.isCharacterDevice() && stat.rdev === 0;
}

/** In the initial user namespace uid_map maps all 2^32-1 ids onto themselves. */
export function inUserNamespace(): boolean {
  try {
    return !/^\s*0\s+0\s+4294967295\s*$/.test(readFileSync('/proc/self/uid_map', 'utf8'));
  } catch {
    return false;
  }
}

function opaqueXattrs(): string[] {
  return inUserNamespace() ? ['user.overlay.opaque'] : ['trusted.overlay.opaque', 'user.overlay.opaque'];
}

function tool(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`${cmd} is missing: install Debian's ${cmd === 'mknod' ? 'coreutils' : 'attr'} package`);
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

/** mknod PATH c 0 0: the overlay whiteout (Node has no mknod). */
export function makeWhiteout(path: string): void {
  tool('mknod', ['-m', '000', path, 'c', '0', '0']);
}

export function markOpaque(dir: string): void {
  for (const name of opaqueXattrs()) tool('setfattr', ['-n', name, '-v', 'y', dir]);
}

/** getfattr escapes unusual bytes as \ooo octal. */
function unescapeOctal(text: string): string {
  return Buffer.from(text.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))), 'latin1').toString('utf8');
}

/** Every directory below root (root included) that overlayfs treats as opaque. */
export function opaqueDirs(root: string): Set<string> {
  const out = tool('getfattr', ['-R', '-P', '--absolute-names', '-d', '-m', '^(trusted|user)\\.overlay\\.opaque$', root]);
  const dirs = new Set<string>();
  let file = '';
  for (const line of out.split('\n')) {
    if (line.startsWith('# file: ')) file = unescapeOctal(line.slice(8));
    else if (/overlay\.opaque="y"/.test(line)) dirs.add(file);
  }
  return dirs;
}
