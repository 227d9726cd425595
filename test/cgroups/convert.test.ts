import { describe, expect, it } from 'vitest';
import { blkioWeightToIoWeight, sharesToWeight, swapToV2 } from '../../src/cgroups/convert.js';

describe('cpu shares → cpu.weight (runc ≥ 1.3)', () => {
  it('maps the ends and the default exactly', () => {
    expect(sharesToWeight(0)).toBe(0);
    expect(sharesToWeight(1)).toBe(1);
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(1024)).toBe(100);
    expect(sharesToWeight(262144)).toBe(10000);
    expect(sharesToWeight(500000)).toBe(10000);
  });
  it('matches values computed with runc\'s formula (ceil of 10^((l²+125l)/612 − 7/34), l = log2 shares)', () => {
    expect(sharesToWeight(512)).toBe(59);
    expect(sharesToWeight(2048)).toBe(174);
    expect(sharesToWeight(100)).toBe(17);
  });
  it('is monotonic', () => {
    let last = 0;
    for (let s = 2; s <= 262144; s = Math.ceil(s * 1.3)) {
      expect(sharesToWeight(s)).toBeGreaterThanOrEqual(last);
      last = sharesToWeight(s);
    }
  });
});

describe('blkio weight → io.weight', () => {
  it('maps [10, 1000] onto [1, 10000]', () => {
    expect(blkioWeightToIoWeight(0)).toBe(0);
    expect(blkioWeightToIoWeight(10)).toBe(1);
    expect(blkioWeightToIoWeight(500)).toBe(4950);
    expect(blkioWeightToIoWeight(1000)).toBe(10000);
  });
});

describe('memory+swap → memory.swap.max', () => {
  it('subtracts the memory limit, keeps max and unset, refuses nonsense', () => {
    expect(swapToV2(200, 100)).toBe(100);
    expect(swapToV2(100, 100)).toBe(0);
    expect(swapToV2(-1, 100)).toBe(-1);
    expect(swapToV2(0, 100)).toBe(0);
    expect(swapToV2(0, -1)).toBe(-1);
    expect(swapToV2(50, 100)).toMatch(/at least the memory limit/);
    expect(swapToV2(100, 0)).toMatch(/needs a memory limit/);
  });
});
