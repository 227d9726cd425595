import { describe, expect, it } from 'vitest';
import { parsePsi } from '../../src/cgroups/psi.js';
import { keyValues, parseBlkio, parseIoStat } from '../../src/cgroups/stats.js';
import { toJson } from '../../src/json.js';
import { mergeResources, updateWrites } from '../../src/container/lifecycle/update.js';
import { filterPsTable } from '../../src/container/lifecycle/ps.js';
import { parseDuration } from '../../src/cli/events.js';
import { parseBytes, resourcesFromFlags } from '../../src/cli/update.js';

describe('stats parsers', () => {
  it('reads PSI in runc\'s shape', () => {
    expect(parsePsi('some avg10=1.50 avg60=0.20 avg300=0.00 total=1234\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=99\n')).toEqual({
      some: { avg10: 1.5, avg60: 0.2, avg300: 0, total: 1234 },
      full: { avg10: 0, avg60: 0, avg300: 0, total: 99 },
    });
  });
  it('reads io.stat and v1 blkio lines', () => {
    const io = parseIoStat('254:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n');
    expect(io.bytes).toEqual([{ major: 254n, minor: 0n, op: 'Read', value: 4096n }, { major: 254n, minor: 0n, op: 'Write', value: 8192n }]);
    expect(io.ios.map((e) => e.value)).toEqual([1n, 2n]);
    expect(parseBlkio('8:0 Read 10\n8:0 Write 20\nTotal 30\n')).toHaveLength(2);
  });
  it('writes u64 counters as exact JSON numbers', () => {
    expect(toJson({ limit: 18446744073709551615n, n: 5 })).toBe('{"limit":18446744073709551615,"n":5}');
    expect(keyValues('oom 1\noom_kill 2\n')).toEqual({ oom: 1n, oom_kill: 2n });
  });
});

describe('update', () => {
  it('merges fields, replaces arrays', () => {
    expect(mergeResources({ memory: { limit: 1, swap: 2 }, devices: [{ allow: false }] }, { memory: { limit: 3 }, devices: [] }))
      .toEqual({ memory: { limit: 3, swap: 2 }, devices: [] });
  });
  it('applies whole parts, and a new limit keeps "no swap"', () => {
    const { merged, apply } = updateWrites({ memory: { limit: 64, swap: 64 }, cpu: { shares: 512, period: 100000 } }, { memory: { limit: 128 }, cpu: { quota: 5000 } });
    expect(apply).toEqual({ memory: { limit: 128, swap: 128 }, cpu: { shares: 512, period: 100000, quota: 5000 } });
    expect(merged.memory).toEqual({ limit: 128, swap: 128 });
  });
  it('takes runc\'s flags over --resources', () => {
    const r = resourcesFromFlags({ resources: 'x', memory: '512m', cpuShare: '100', pidsLimit: '7', cpusetCpus: '0' }, () => ({ memory: { swap: -1 }, pids: { limit: 1 } }));
    expect(r).toEqual({ memory: { swap: -1, limit: 512 * 1024 * 1024 }, cpu: { shares: 100, cpus: '0' }, pids: { limit: 7 } });
    expect(parseBytes('memory', '1g')).toBe(1024 ** 3);
    expect(parseBytes('memory', '-1')).toBe(-1);
    expect(() => parseBytes('memory', 'lots')).toThrow('--memory lots: not a size');
  });
});

describe('cli helpers', () => {
  it('parses Go durations', () => {
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('100ms')).toBe(100);
    expect(parseDuration('1m30s')).toBe(90000);
    expect(() => parseDuration('5')).toThrow(/not a duration/);
  });
  it('keeps the ps header and the container\'s rows', () => {
    const out = 'UID PID PPID CMD\nroot 1 0 init\nroot 42 1 sleep\nroot 420 1 other\n';
    expect(filterPsTable(out, [42])).toBe('UID PID PPID CMD\nroot 42 1 sleep\n');
  });
});
