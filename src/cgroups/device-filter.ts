/**
 * Loads the device policy as a BPF_PROG_TYPE_CGROUP_DEVICE program on the container's
 * unified cgroup (pure v2 and hybrid hosts alike: the kernel runs cgroup2 device
 * programs for every process of that cgroup). Replacing is attach-new-then-detach-old,
 * done in one native call (native/spawn.c tsrunc_device_filter).
 */
import { TsruncError } from '../errors.js';
import { errnoName, helper } from '../native/helper.js';
import { deviceProgram, encodeProgram } from './devices/program.js';
import type { DevicePolicy } from './devices/rules.js';
import { type Source } from './writes.js';

const STEPS = ['', 'open the cgroup', 'query its device programs', 'load the device program', 'attach the device program', 'detach the previous device program'];

export function loadDeviceFilter(dir: string, policy: DevicePolicy, src: Source): void {
  const insns = encodeProgram(deviceProgram(policy));
  const r = helper().deviceFilter(dir, insns);
  if (r.errno === 0) return;
  const code = errnoName(r.errno);
  const what = `${src.prefix}.devices: ${STEPS[r.step] ?? 'device filter'} (${dir}): ${code}${r.log ? `: ${r.log.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
  const hint = code === 'EPERM' && r.step === 4
    ? 'a parent cgroup has a device program attached without BPF_F_ALLOW_MULTI; choose a cgroupsPath outside it'
    : code === 'EPERM' || code === 'EACCES' ? 'loading BPF programs needs CAP_SYS_ADMIN (or CAP_BPF and CAP_NET_ADMIN)' : '';
  throw new TsruncError('ECGROUP', what, hint);
}

/** How many device programs the cgroup has (0 when it is gone). */
export function deviceFilterCount(dir: string): number {
  return helper().deviceFilterCount(dir);
}
