/**
 * The OCI resources are cgroup v1 quantities; these turn them into v2 ones exactly as
 * runc (opencontainers/cgroups utils.go) does, so a container gets the same weights
 * under tsrunc as under runc.
 */

/**
 * cpu.shares [2, 262144] → cpu.weight [1, 10000]. runc ≥ 1.3 (opencontainers/runc#4785)
 * uses a quadratic in log2 space that maps the default 1024 to the default 100; the old
 * linear formula mapped 1024 to 39 and made every container less important than a
 * service with the default weight.
 */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  const l = Math.log2(shares);
  const exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  return Math.ceil(10 ** exponent);
}

/** blkio.weight [10, 1000] → io.weight [1, 10000] (runc ConvertBlkIOToIOWeightValue). */
export function blkioWeightToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/**
 * OCI memory.swap is memory+swap (v1's memsw); v2's memory.swap.max is swap alone.
 * Returns the v2 value (-1 = max, 0 = not set) or the reason it cannot be converted
 * (runc ConvertMemorySwapToCgroupV2Value).
 */
export function swapToV2(swap: number, memory: number): number | string {
  if (memory === -1 && swap === 0) return -1;
  if (swap === -1 || swap === 0) return swap;
  if (memory === 0 || memory === -1) return 'a swap limit needs a memory limit (linux.resources.memory.limit)';
  if (memory < 0) return `invalid memory limit ${memory}`;
  if (swap < memory) return `memory+swap (${swap}) must be at least the memory limit (${memory})`;
  return swap - memory;
}
