/**
 * Resource limits as `docker run` takes them, and how each becomes a cgroup file value.
 * Pure functions: v1.ts and v2.ts decide which files to write; this file decides the numbers.
 */

export interface Limits {
  /** Bytes of memory (`-m`). */
  memory?: number;
  /** Bytes of memory plus swap (`--memory-swap`), as Docker counts it; -1 means unlimited swap. */
  memorySwap?: number;
  /** Relative CPU weight (`-c/--cpu-shares`), 2..262144; Docker's default is 1024. */
  cpuShares?: number;
  /** Number of CPUs' worth of time (`--cpus 1.5`). */
  cpus?: number;
  /** CPUs the container may run on (`--cpuset-cpus 0-1,3`). */
  cpusetCpus?: string;
  /** Maximum number of processes (`--pids-limit`); 0 or less means unlimited, as in Docker. */
  pidsLimit?: number;
}

/** The CFS period Docker and runc use for `--cpus`: 100 ms. */
export const CPU_PERIOD_US = 100_000;

const MIN_SHARES = 2;
const MAX_SHARES = 262_144;
/** The kernel refuses memory limits this small anyway; Docker's own minimum is 6 MiB. */
const MIN_MEMORY = 6 * 1024 * 1024;

/** Throws with what is wrong and how to fix it, before anything is written. */
export function validateLimits(limits: Limits): void {
  const { memory, memorySwap, cpuShares, cpus, cpusetCpus, pidsLimit } = limits;
  if (memory !== undefined && (!Number.isSafeInteger(memory) || memory < MIN_MEMORY)) {
    throw new Error(`memory limit ${memory} is invalid: give whole bytes, at least ${MIN_MEMORY} (6m)`);
  }
  if (memorySwap !== undefined && memorySwap !== -1) {
    if (memory === undefined) throw new Error('--memory-swap needs --memory too: it is memory plus swap');
    if (!Number.isSafeInteger(memorySwap) || memorySwap < memory) {
      throw new Error(`--memory-swap ${memorySwap} is less than --memory ${memory}: it counts memory plus swap, so it must be at least as large (or -1 for unlimited swap)`);
    }
  }
  if (cpuShares !== undefined && (!Number.isInteger(cpuShares) || cpuShares < MIN_SHARES || cpuShares > MAX_SHARES)) {
    throw new Error(`cpu shares ${cpuShares} are out of range: give a whole number from ${MIN_SHARES} to ${MAX_SHARES}`);
  }
  if (cpus !== undefined && !(Number.isFinite(cpus) && cpus > 0 && cpus * CPU_PERIOD_US >= 1000)) {
    throw new Error(`--cpus ${cpus} is invalid: give a positive number of CPUs, at least 0.01`);
  }
  if (cpusetCpus !== undefined && !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(cpusetCpus)) {
    throw new Error(`--cpuset-cpus ${JSON.stringify(cpusetCpus)} is invalid: give a CPU list such as 0 or 0-1,3`);
  }
  if (pidsLimit !== undefined && !Number.isSafeInteger(pidsLimit)) {
    throw new Error(`--pids-limit ${pidsLimit} is invalid: give a whole number (0 or less for unlimited)`);
  }
}

/**
 * cgroup v2 has cpu.weight (1..10000) instead of cpu.shares (2..262144); this is the linear
 * mapping runc and Docker use, so `-c 1024` gives weight 39 as it does under Docker.
 */
export function sharesToWeight(shares: number): number {
  return 1 + Math.floor(((shares - MIN_SHARES) * 9999) / (MAX_SHARES - MIN_SHARES));
}

/** `--cpus 1.5` is 150 ms of CPU time in every 100 ms period. */
export function cpusToQuota(cpus: number): { quotaUs: number; periodUs: number } {
  return { quotaUs: Math.round(cpus * CPU_PERIOD_US), periodUs: CPU_PERIOD_US };
}

/**
 * Docker's `--memory-swap` is memory + swap. Unset with `-m` set means "as much swap as memory"
 * (so memory + swap = twice the memory); -1 means unlimited. Returns undefined when no swap
 * limit applies.
 */
export function memoryPlusSwap(limits: Limits): number | 'max' | undefined {
  if (limits.memory === undefined) return limits.memorySwap === -1 ? 'max' : undefined;
  if (limits.memorySwap === -1) return 'max';
  return limits.memorySwap ?? limits.memory * 2;
}

/** v2's memory.swap.max counts swap alone. */
export function swapOnly(limits: Limits): number | 'max' | undefined {
  const total = memoryPlusSwap(limits);
  if (total === undefined || total === 'max' || limits.memory === undefined) return total;
  return total - limits.memory;
}

export function pidsMax(limit: number): string {
  return limit > 0 ? String(limit) : 'max';
}
