/**
 * User namespaces: root inside a sandbox is a block of unprivileged ids outside, a different
 * block for each sandbox, so two learners are strangers to each other and to the host.
 */

export interface UidRange {
  /** The host uid (and gid) that root inside maps to. */
  base: number;
  /** How many ids are mapped, starting at base. */
  count: number;
}

export interface UidRangeOptions {
  /** First host id handed out; far above the ids of real users. */
  first?: number;
  /** Ids per sandbox: 65536 covers every id a Debian system uses, nobody (65534) included. */
  size?: number;
  /** How many blocks may be handed out at once. */
  blocks?: number;
}

export class UidRangeAllocator {
  readonly first: number;
  readonly size: number;
  readonly blocks: number;
  private readonly inUse = new Set<number>();

  constructor({ first = 100_000_000, size = 65536, blocks = 4096 }: UidRangeOptions = {}) {
    if (first <= 0 || size <= 0 || blocks <= 0) throw new Error('uid ranges need positive first, size and blocks');
    if (first + size * blocks > 2 ** 32 - 2) throw new Error('uid ranges would pass the largest uid (2^32 - 2)');
    this.first = first;
    this.size = size;
    this.blocks = blocks;
  }

  allocate(): UidRange {
    for (let block = 0; block < this.blocks; block++) {
      if (this.inUse.has(block)) continue;
      this.inUse.add(block);
      return { base: this.first + block * this.size, count: this.size };
    }
    throw new Error(`all ${this.blocks} uid ranges are in use: end some sessions first`);
  }

  release(range: UidRange): void {
    this.inUse.delete((range.base - this.first) / this.size);
  }
}

/** Where `--userns auto` takes its blocks of ids from, in this process's own user namespace. */
export interface AutoIdPlan {
  first: number;
  size: number;
  blocks: number;
}

/** The ids mapped into a user namespace, from /proc/PID/uid_map text ("inside outside count" lines). */
export function mappedRanges(mapText: string): Array<{ start: number; count: number }> {
  return mapText.trim().split('\n').filter(Boolean).map((line) => {
    const [inside, , count] = line.trim().split(/\s+/).map(Number);
    return { start: inside!, count: count! };
  });
}

// On a host (everything mapped): blocks of 65536 from id 10^9, far above real users.
const HOST_PLAN: AutoIdPlan = { first: 1_000_000_000, size: 65536, blocks: 4096 };
// Nested, e.g. inside a learner sandbox that has 65536 ids: smaller blocks above the first
// 10000 ids, which stay the sandbox's own users'.
const NESTED_FIRST = 10_000;
const NESTED_SIZE = 4096;

/**
 * Blocks for --userns auto that exist in this user namespace: a nested container's ids must
 * be mapped in ours, or the kernel refuses its uid_map.
 */
export function autoIdPlan(uidMap: string, gidMap: string): AutoIdPlan {
  const widest = (text: string) => mappedRanges(text).reduce((a, b) => (b.count > a.count ? b : a), { start: 0, count: 0 });
  const [u, g] = [widest(uidMap), widest(gidMap)];
  const start = Math.max(u.start, g.start);
  const end = Math.min(u.start + u.count, g.start + g.count);
  if (start === 0 && end >= HOST_PLAN.first + HOST_PLAN.size * HOST_PLAN.blocks) return HOST_PLAN;
  const first = start + NESTED_FIRST;
  const blocks = Math.floor((end - first) / NESTED_SIZE);
  if (blocks < 1) throw new Error(`this user namespace maps only ids ${start}-${end - 1}: too few for --userns auto (it needs ${NESTED_FIRST + NESTED_SIZE})`);
  return { first, size: NESTED_SIZE, blocks };
}
