/**
 * The bpf filesystem that holds the collector's pins. Pins are what keep the collector
 * attached without a daemon, so the mount must be the host's one at /sys/fs/bpf: mounting
 * a second bpffs over an existing one would hide the pins (and a later create would load
 * a second, double-counting copy). So tsrunc mounts it only when /sys/fs/bpf is not a
 * bpffs already, and never unmounts it (that would detach every pinned program).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TsruncError } from '../errors.js';

const BPF_FS_MAGIC = 0xcafe4a11;
export const BPFFS = '/sys/fs/bpf';

/** Where tsrunc pins the collector; TSRUNC_BPF_PIN_DIR moves it (tests use their own). */
export function pinBase(): string {
  return process.env['TSRUNC_BPF_PIN_DIR'] || path.join(BPFFS, 'tsrunc');
}

export function isBpffs(dir: string): boolean {
  try {
    return fs.statfsSync(dir).type === BPF_FS_MAGIC;
  } catch {
    return false;
  }
}

/** Makes sure the directory above `base` is on a bpffs, mounting one at /sys/fs/bpf if needed. */
export function ensureBpffs(base: string): void {
  const parent = path.dirname(base);
  if (isBpffs(parent)) return;
  if (parent !== BPFFS) {
    throw new TsruncError('EBPF_FS', `${parent} is not a bpf filesystem`, 'point TSRUNC_BPF_PIN_DIR into /sys/fs/bpf');
  }
  try {
    fs.mkdirSync(BPFFS, { recursive: true });
    // mount(8) by absolute path: engines run tsrunc with an empty PATH.
    execFileSync(fs.existsSync('/usr/bin/mount') ? '/usr/bin/mount' : '/bin/mount', ['-t', 'bpf', 'bpf', BPFFS], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new TsruncError('EBPF_FS', `cannot mount bpffs at ${BPFFS}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, 'mount -t bpf bpf /sys/fs/bpf');
  }
  if (!isBpffs(BPFFS)) throw new TsruncError('EBPF_FS', `${BPFFS} is still not a bpf filesystem after mounting it`, '');
}
