/**
 * ADD's one difference from COPY: a local tar archive, plain or compressed (gzip, bzip2, xz,
 * zstd, as Docker knows them), is unpacked at the destination instead of copied. The format is
 * told by the file's first bytes, not its name, again as Docker does.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { extract } from 'tar';

export type ArchiveKind = 'tar' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

const MAGIC: Array<[ArchiveKind, number[]]> = [
  ['gzip', [0x1f, 0x8b]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
];

/** The archive format of the file at path, or null when it is not one (it is then copied). */
export function archiveKind(path: string): ArchiveKind | null {
  const head = Buffer.alloc(512);
  const fd = openSync(path, 'r');
  let length: number;
  try {
    length = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  for (const [kind, bytes] of MAGIC) if (length >= bytes.length && bytes.every((b, i) => head[i] === b)) return kind;
  // A POSIX tar header says "ustar" at offset 257.
  return length === 512 && head.toString('latin1', 257, 262) === 'ustar' ? 'tar' : null;
}

/** node-tar reads plain, gzip and zstd tarballs itself; bzip2 and xz go through Debian's tools. */
function decompressed(path: string, kind: 'bzip2' | 'xz', temp: string): string {
  try {
    writeFileSync(temp, execFileSync(kind, ['-dc', path], { maxBuffer: Infinity, stdio: ['ignore', 'pipe', 'pipe'] }));
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error(`ADD ${path}: it is a ${kind} archive and the ${kind} command is missing: install it (apt-get install ${kind === 'xz' ? 'xz-utils' : 'bzip2'})`);
    throw new Error(`ADD ${path}: not a readable ${kind} archive: ${e.stderr?.toString().trim() || e.message}`);
  }
  return temp;
}

/** Unpacks the archive into dir, keeping the owners and modes its entries have. */
export function unpackArchive(path: string, kind: ArchiveKind, dir: string, temp: string): void {
  const file = kind === 'bzip2' || kind === 'xz' ? decompressed(path, kind, temp) : path;
  try {
    extract({ file, cwd: dir, sync: true, strict: true, preserveOwner: process.getuid?.() === 0 });
  } catch (err) {
    throw new Error(`ADD ${path}: not a readable tar archive: ${(err as Error).message}`);
  } finally {
    rmSync(temp, { force: true });
  }
}
