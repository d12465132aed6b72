/**
 * Container state on disk, so it outlives the CLI process:
 *
 *   <state>/containers/<id>/config.json   what the container is (ContainerConfig)
 *                           state.json    where it is in its life (ContainerState)
 *                           upper/ work/  its writable layer (the overlay's upperdir/workdir)
 *                           init.pid      written by the helper: the container's pid 1 on the host
 *                           container.log output of a detached container
 *                           exec.fifo     a created container waits on it until `start`
 *   <state>/names/<name>                  holds the id; made with O_EXCL so names stay unique
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupLayout } from './cgroups/index.js';
import type { ContainerConfig } from './config.js';
import { isAlive, type ProcessRef } from './proc.js';

export type Status = 'created' | 'running' | 'paused' | 'stopped';

export interface ContainerState {
  id: string;
  name: string;
  status: Status;
  /** The container's pid 1, as the host numbers it. */
  pid: ProcessRef | null;
  /** The byhand-init helper that made it and waits for it. */
  helper: ProcessRef | null;
  /** Whoever records the exit: the CLI for `run`, the monitor for detached and created containers. */
  owner: ProcessRef | null;
  exitCode: number | null;
  oomKilled: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  cgroupPath: string | null;
  /** The cgroup tree as it was when the cgroup was made (to find it again from anywhere). */
  cgroupLayout?: CgroupLayout | null;
  /** The cgroup's name in that tree (see containerCgroupName). */
  cgroupName?: string | null;
  error?: string;
}

export interface Container {
  dir: string;
  config: ContainerConfig;
  state: ContainerState;
}

export const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

export function defaultStateDir(): string {
  return process.env.BYHAND_STATE_DIR || '/var/lib/byhand';
}

function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}

export class StateStore {
  readonly root: string;
  readonly containersDir: string;
  readonly namesDir: string;

  constructor(root: string = defaultStateDir()) {
    this.root = root;
    this.containersDir = join(root, 'containers');
    this.namesDir = join(root, 'names');
    mkdirSync(this.containersDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.namesDir, { recursive: true, mode: 0o700 });
  }

  dirOf(id: string): string {
    return join(this.containersDir, id);
  }

  /** Makes the directory of a new container and claims its name. */
  create(config: ContainerConfig, name?: string, id = newContainerId()): Container {
    const wanted = name ?? `c-${id.slice(0, 12)}`;
    if (!NAME.test(wanted)) throw new Error(`container name ${JSON.stringify(wanted)} must be letters, digits, "_", "." and "-"`);
    this.claimName(wanted, id);
    const dir = this.dirOf(id);
    mkdirSync(dir, { mode: 0o700 });
    const state: ContainerState = {
      id, name: wanted, status: 'created', pid: null, helper: null, owner: null, exitCode: null, oomKilled: false,
      createdAt: new Date().toISOString(), startedAt: null, finishedAt: null, cgroupPath: null,
    };
    writeJsonAtomic(join(dir, 'config.json'), config);
    writeJsonAtomic(join(dir, 'state.json'), state);
    return { dir, config, state };
  }

  private claimName(name: string, id: string): void {
    let fd: number;
    try {
      fd = openSync(join(this.namesDir, name), 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = this.readName(name);
      if (owner && existsSync(join(this.dirOf(owner), 'state.json'))) {
        throw new Error(`the name ${name} is already used by container ${owner.slice(0, 12)}: remove it (byhand rm ${name}) or pick another --name`);
      }
      // A stale claim left by a crash: take it over.
      writeFileSync(join(this.namesDir, name), id);
      return;
    }
    writeSync(fd, id);
    closeSync(fd);
  }

  private readName(name: string): string | null {
    try {
      return readFileSync(join(this.namesDir, name), 'utf8').trim();
    } catch {
      return null;
    }
  }

  ids(): string[] {
    return readdirSync(this.containersDir).filter((id) => /^[0-9a-f]{64}$/.test(id));
  }

  load(id: string): Container | null {
    const dir = this.dirOf(id);
    try {
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as ContainerConfig;
      const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as ContainerState;
      return { dir, config, state: reconcile(state) };
    } catch {
      return null;
    }
  }

  list(): Container[] {
    return this.ids().map((id) => this.load(id)).filter((c): c is Container => c !== null)
      .sort((a, b) => b.state.createdAt.localeCompare(a.state.createdAt));
  }

  /** A name, a full id, or an unambiguous id prefix, as Docker accepts them. */
  find(ref: string): Container {
    const byName = this.readName(ref);
    if (NAME.test(ref) && byName) {
      const c = this.load(byName);
      if (c) return c;
    }
    const matches = this.ids().filter((id) => id.startsWith(ref.toLowerCase()));
    if (ref.length > 0 && matches.length === 1) {
      const c = this.load(matches[0]!);
      if (c) return c;
    }
    if (matches.length > 1) throw new Error(`${ref} matches ${matches.length} containers: give more of the id`);
    throw new Error(`no such container: ${ref} (see byhand ps -a)`);
  }

  update(id: string, patch: Partial<ContainerState>): ContainerState {
    const path = join(this.dirOf(id), 'state.json');
    const state = { ...(JSON.parse(readFileSync(path, 'utf8')) as ContainerState), ...patch };
    writeJsonAtomic(path, state);
    return state;
  }

  /** Deletes the container's directory (its writable layer too) and frees its name. */
  remove(c: Container): void {
    rmSync(c.dir, { recursive: true, force: true });
    if (this.readName(c.state.name) === c.state.id) rmSync(join(this.namesDir, c.state.name), { force: true });
  }

  /** A directory a crash left before its state.json was written. */
  removeIncomplete(id: string): boolean {
    if (existsSync(join(this.dirOf(id), 'state.json'))) return false;
    rmSync(this.dirOf(id), { recursive: true, force: true });
    return true;
  }

  /** Names whose container is gone (a crash between claiming a name and writing the directory). */
  staleNames(): string[] {
    return readdirSync(this.namesDir).filter((name) => {
      const id = this.readName(name);
      return !id || !existsSync(join(this.dirOf(id), 'state.json'));
    });
  }

  removeName(name: string): void {
    rmSync(join(this.namesDir, name), { force: true });
  }
}

/**
 * What is on disk may be out of date when whoever should have recorded the exit died: a
 * container whose helper is gone has stopped, whatever state.json last said.
 */
function reconcile(state: ContainerState): ContainerState {
  if (state.status === 'stopped' || isAlive(state.helper)) return state;
  if (state.status === 'created' && !state.helper && isAlive(state.owner)) return state;
  return { ...state, status: 'stopped', exitCode: state.exitCode ?? -1 };
}
