/**
 * Scratch disks: a small ext4 file system per session, at /scratch inside the sandbox, for kernels
 * whose tmpfs cannot hold `user.*` extended attributes (before Linux 6.6). Overlayfs mounted with
 * `userxattr` (lesson 06) stores `user.overlay.*` attributes in its upper layer; on such kernels no
 * file system a user namespace may mount can hold them, so the agent mounts one for the sandbox.
 *
 * Each session's disk is an image of BYHAND_UPPER_SIZE in <dir>/<session id>/, allocated in full
 * when it is made (so the learners' writes can never fill the host's disk, and a disk that does
 * not fit, with a reserve left for the host, is not made), loop-mounted
 * nosuid,nodev at <dir>/<session id>/mnt (the directory is root's alone, so no other session or
 * host user reaches it) and handed to the sandbox as a read-write volume. Once the sandbox is up
 * the agent detaches its own mount and deletes the image: the sandbox's mount alone holds the disk
 * then, so the kernel frees it, loop device and all, when the sandbox's last process is gone, even
 * if the agent was killed. A restarted agent removes what a kill left before that point.
 *
 * Its own directory rather than the session's run dir: a restarted agent empties the run dir with
 * rm -rf before it could unmount anything, and a mount point there would stop that.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sizeInBytes } from './sizes.js';
import type { Logger } from './log.js';
import { HELPER_ENV } from './sandbox.js';

/** What scratch disks always leave free on the host's file system: 5% of it, at least 256 MiB. */
export function hostReserve(totalBytes: number): number {
  return Math.max(256 * 2 ** 20, Math.round(totalBytes * 0.05));
}

const mib = (bytes: number) => `${Math.floor(bytes / 2 ** 20)} MiB`;

export type ScratchMode = 'auto' | 'on' | 'off';

/** Where the agent keeps its sessions' disks. */
export function scratchDirOf(state: string): string {
  return join(state, 'scratch');
}

const run = promisify(execFile);

/** BYHAND_SCRATCH: auto (only where tmpfs lacks user xattrs, the default), on or off. */
export function parseScratchMode(raw: string | undefined): ScratchMode {
  if (raw === undefined || raw === '') return 'auto';
  if (raw === 'auto' || raw === 'on' || raw === 'off') return raw;
  throw new Error(
    'BYHAND_SCRATCH must be "auto" (a /scratch disk only where tmpfs cannot keep user.* attributes, the default), ' +
      `"on" (always) or "off" (never), got ${JSON.stringify(raw)}`,
  );
}

/** Runs a host tool with the helper's plain environment; its stderr becomes the error's message. */
async function tool(file: string, args: string[]): Promise<void> {
  try {
    await run(file, args, { env: HELPER_ENV });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`${file} ${args.join(' ')}: ${(e.stderr || e.message).trim()}`);
  }
}

/** Mounts a tmpfs in a temporary directory and tries to set a user.* attribute on a file in it. */
export async function tmpfsKeepsUserXattrs(): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'byhand-xattr-probe-'));
  try {
    await tool('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'byhand-probe', dir]);
    try {
      writeFileSync(join(dir, 'probe'), '');
      await tool('setfattr', ['-n', 'user.byhand', '-v', '1', join(dir, 'probe')]);
      return true;
    } catch (err) {
      if (/not supported/i.test((err as Error).message)) return false;
      throw err;
    } finally {
      await tool('umount', [dir]);
    }
  } finally {
    rmdirSync(dir);
  }
}

/** Mount points at or below `dir` in this mount namespace, deepest first. */
export function mountsBelow(dir: string, mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const points = mountinfo
    .split('\n')
    .filter(Boolean)
    // Field 5 is the mount point, with space, tab, newline and backslash as octal escapes.
    .map((line) => line.split(' ')[4]!.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

export class ScratchDisks {
  private on = false;

  constructor(
    /** Holds one directory per session: its image and its mount point. */
    private readonly dir: string,
    private readonly mode: ScratchMode,
    /** Size of each disk, e.g. "512m". */
    size: string,
    private readonly log: Logger,
  ) {
    this.bytes = sizeInBytes(size) ?? 0;
  }

  /** Each disk's size, allocated in full when it is made. */
  private readonly bytes: number;

  /** Whether sessions get a /scratch disk; decided by start(). */
  get enabled(): boolean {
    return this.on;
  }

  /** Before the first session: removes a killed agent's disks, then decides whether to make any. */
  async start(): Promise<void> {
    await this.removeLeftovers();
    if (this.mode !== 'auto') {
      this.on = this.mode === 'on';
      this.log('scratch disks', { mode: this.mode, enabled: this.on });
      return;
    }
    try {
      const keeps = await tmpfsKeepsUserXattrs();
      this.on = !keeps;
      this.log('scratch disks', { mode: 'auto', tmpfsUserXattrs: keeps, enabled: this.on });
    } catch (err) {
      this.log('scratch disks', {
        mode: 'auto', enabled: false,
        error: `could not test tmpfs for user.* attributes, so sandboxes get no /scratch: ${(err as Error).message}`,
      });
    }
  }

  /**
   * Makes and mounts session `id`'s disk; returns the host directory to mount at /scratch, or
   * null when disks are off or this one could not be made (logged: the sandbox starts without it).
   */
  async create(id: string): Promise<string | null> {
    if (!this.on) return null;
    const home = join(this.dir, id);
    const mnt = join(home, 'mnt');
    try {
      mkdirSync(mnt, { recursive: true, mode: 0o700 });
      this.checkRoom();
      const image = join(home, 'disk.img');
      await tool('fallocate', ['-l', String(this.bytes), image]);
      // root_owner 0:0: read-write volumes are idmapped into the sandbox, where on-disk 0 is its root.
      // -m 0: no blocks kept for host root, whom nothing in the sandbox ever is.
      // nodiscard: mkfs would punch the allocated blocks out of the image again.
      await tool('mkfs.ext4', ['-q', '-F', '-m', '0', '-O', '^has_journal', '-E', 'root_owner=0:0,nodiscard', image]);
      // mount -o loop sets autoclear: the loop device goes when the file system is last unmounted.
      await tool('mount', ['-t', 'ext4', '-o', 'loop,nosuid,nodev', image, mnt]);
      // The learner's /scratch starts empty, as a fresh tmpfs would.
      rmdirSync(join(mnt, 'lost+found'));
      return mnt;
    } catch (err) {
      this.log('scratch disk failed', { id, error: `the sandbox starts without /scratch: ${(err as Error).message}` });
      await this.remove(id);
      return null;
    }
  }

  /** Throws when one more disk would leave the host's file system less than its reserve. */
  private checkRoom(): void {
    const fs = statfsSync(this.dir);
    const free = fs.bavail * fs.bsize;
    const reserve = hostReserve(fs.blocks * fs.bsize);
    const size = this.bytes;
    if (free - size < reserve) {
      throw new Error(
        `${mib(free)} free where scratch disks are made (${this.dir}): a ${mib(size)} disk would leave less than the ` +
          `${mib(reserve)} kept for the host; free some space there, or lower BYHAND_UPPER_SIZE or BYHAND_MAX_SESSIONS`,
      );
    }
  }

  /**
   * Detaches session `id`'s disk from the host and deletes its image, if it has one (the
   * sandbox's own mount keeps the disk until the sandbox ends); logs instead of throwing.
   */
  async remove(id: string): Promise<void> {
    if (!this.on) return;
    await this.removeDir(join(this.dir, id));
  }

  private async removeDir(home: string): Promise<void> {
    try {
      // Lazy: a sandbox may still hold the disk, and its mount is its own to keep.
      for (const point of mountsBelow(home)) await tool('umount', ['--lazy', point]);
      rmSync(home, { recursive: true, force: true });
    } catch (err) {
      this.log('scratch disk not removed', { dir: home, error: (err as Error).message });
    }
  }

  private async removeLeftovers(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    chmodSync(this.dir, 0o700);
    const names = readdirSync(this.dir);
    for (const name of names) await this.removeDir(join(this.dir, name));
    if (names.length) this.log('removed leftover scratch disks', { count: names.length, names: names.join(',') });
  }
}
