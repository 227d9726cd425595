import { describe, expect, it } from 'vitest';
import { MOUNT_ATTR, MS } from '../../src/plan/flags.js';
import { parseMountOptions } from '../../src/plan/mount-options.js';

describe('parseMountOptions', () => {
  it('turns flags on and off in order, as mount(8) does', () => {
    const o = parseMountOptions(['ro', 'nosuid', 'rw', 'nodev', 'noexec'], 'tmpfs');
    expect(o.flags).toBe(MS.NOSUID | MS.NODEV | MS.NOEXEC);
    expect(o.bind).toBe(false);
  });
  it('keeps filesystem options as data, in order', () => {
    expect(parseMountOptions(['nosuid', 'mode=755', 'size=65536k'], 'tmpfs').data).toBe('mode=755,size=65536k');
  });
  it('recognises bind and rbind, by option or type', () => {
    expect(parseMountOptions(['rbind'], 'none')).toMatchObject({ bind: true, flags: MS.BIND | MS.REC });
    expect(parseMountOptions([], 'bind')).toMatchObject({ bind: true, flags: MS.BIND });
  });
  it('collects propagation changes in order', () => {
    expect(parseMountOptions(['rprivate', 'shared'], 'tmpfs').propagation).toEqual([MS.PRIVATE | MS.REC, MS.SHARED]);
  });
  it('parses recursive attributes for mount_setattr', () => {
    const o = parseMountOptions(['rbind', 'rro', 'rnosuid', 'rexec', 'rnoatime'], 'bind');
    expect(o.attrSet).toBe(MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID | MOUNT_ATTR.NOATIME);
    expect(o.attrClr).toBe(MOUNT_ATTR.NOEXEC | MOUNT_ATTR.ATIME_MASK);
  });
  it('a later recursive option undoes an earlier one', () => {
    const o = parseMountOptions(['rro', 'rrw'], 'bind');
    expect(o.attrSet & MOUNT_ATTR.RDONLY).toBe(0);
    expect(o.attrClr & MOUNT_ATTR.RDONLY).toBe(MOUNT_ATTR.RDONLY);
  });
});
