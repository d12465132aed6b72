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
