/**
 * What the stream writes to the pressure files: the report's anchors over a 2 s window,
 * NUL-terminated. Plain files stand in for a cgroup (the kernel's answer is tested in
 * test/integration/stall-insight.test.ts), and a missing one is refused, not fatal.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { statusCode } from '../../src/container/lifecycle/exit-status.js';
import { closeTriggers, openPsiTriggers } from '../../src/observe/psi-triggers.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });

describe('PSI triggers', () => {
  it('writes cpu some 40 %, memory full 60 %, io full 50 % of a 2 s window', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'psi-'));
    dirs.push(dir);
    for (const r of ['cpu', 'memory', 'io']) fs.writeFileSync(path.join(dir, `${r}.pressure`), '');
    const { triggers, refused } = openPsiTriggers(dir);
    closeTriggers(triggers);
    expect(refused).toEqual([]);
    expect(triggers.map((t) => [t.resource, t.kind, t.threshold_us, t.window_us])).toEqual([
      ['cpu', 'some', 800_000, 2_000_000], ['memory', 'full', 1_200_000, 2_000_000], ['io', 'full', 1_000_000, 2_000_000],
    ]);
    expect(fs.readFileSync(path.join(dir, 'cpu.pressure'), 'utf8')).toBe('some 800000 2000000\0');
  });

  it('leaves out a resource without a pressure file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'psi-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'cpu.pressure'), '');
    const { triggers, refused } = openPsiTriggers(dir);
    closeTriggers(triggers);
    expect(triggers.map((t) => t.resource)).toEqual(['cpu']);
    expect(refused).toHaveLength(2);
    expect(refused[0]).toContain('ENOENT');
  });
});

describe('exit status', () => {
  it('is the exit code, or 128 + the signal', () => {
    expect(statusCode(7 << 8)).toBe(7);
    expect(statusCode(0)).toBe(0);
    expect(statusCode(9)).toBe(137);
    expect(statusCode(0x80 | 11)).toBe(139); // core dumped
  });
});
