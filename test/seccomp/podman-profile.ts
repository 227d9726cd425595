/**
 * containers-common's default seccomp profile (/usr/share/containers/seccomp.json, the
 * one podman puts in every container) turned into the config.json form the way podman
 * does it (containers/common pkg/seccomp): the native arch and its sub-arches, rules
 * kept or dropped by arch and by the container's bounding capabilities.
 */
import fs from 'node:fs';
import type { LinuxSeccomp } from '../../src/spec/generated/types.js';

export const PODMAN_PROFILE = '/usr/share/containers/seccomp.json';

interface EngineRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: { index: number; value: number; valueTwo?: number; op: string }[] | null;
  includes?: { arches?: string[]; caps?: string[]; minKernel?: string };
  excludes?: { arches?: string[]; caps?: string[] };
}

export function podmanProfile(boundingCaps: string[], file = PODMAN_PROFILE): LinuxSeccomp {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    defaultAction: string; defaultErrnoRet?: number;
    archMap: { architecture: string; subArchitectures: string[] }[]; syscalls: EngineRule[];
  };
  const native = 'SCMP_ARCH_X86_64';
  const goArch = 'amd64';
  const archs = p.archMap.filter((a) => a.architecture === native).flatMap((a) => [a.architecture, ...a.subArchitectures]);
  const syscalls = p.syscalls.filter((r) => {
    if (r.includes?.arches?.length && !r.includes.arches.includes(goArch)) return false;
    if (r.includes?.caps?.some((c) => !boundingCaps.includes(c))) return false;
    if (r.excludes?.arches?.includes(goArch)) return false;
    if (r.excludes?.caps?.some((c) => boundingCaps.includes(c))) return false;
    return true;
  }).map((r) => ({
    names: r.names,
    action: r.action,
    ...(r.errnoRet !== undefined ? { errnoRet: r.errnoRet } : {}),
    ...(r.args && r.args.length ? { args: r.args } : {}),
  }));
  return {
    defaultAction: p.defaultAction,
    ...(p.defaultErrnoRet !== undefined ? { defaultErrnoRet: p.defaultErrnoRet } : {}),
    architectures: archs,
    syscalls,
  } as LinuxSeccomp;
}
