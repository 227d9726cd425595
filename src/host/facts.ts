/**
 * What this machine is, read once per command and passed to whatever decides: the plan,
 * the cgroup driver, the feature document. Read, never changed; tests pass literals.
 */
import fs from 'node:fs';
import { type DriverFacts, readCgroupFacts } from '../cgroups/driver.js';
import type { HostFacts as PlanFacts } from '../plan/types.js';

/** What the plan needs (plan/types.ts) and what the cgroup driver choice needs (cgroups/facts.ts). */
export interface HostFacts extends PlanFacts, DriverFacts {}

function read(p: string): string {
  try { return fs.readFileSync(p, 'utf8'); } catch { return ''; }
}

function sourceKind(p: string): 'dir' | 'file' | 'missing' {
  try {
    return fs.statSync(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

/** Each part is read at its first use, once: exec needs the capabilities only, create everything. */
export function readHostFacts(): HostFacts {
  let lsm: HostFacts['lsm'];
  let resctrl: boolean | undefined;
  let cgroup: HostFacts['cgroup'] | undefined;
  return {
    sourceKind,
    capLastCap: Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim()),
    get lsm() {
      // As runc decides it: AppArmor's securityfs directory and its module parameter; SELinux's selinuxfs.
      return (lsm ??= {
        apparmor: fs.existsSync('/sys/kernel/security/apparmor') && read('/sys/module/apparmor/parameters/enabled').startsWith('Y'),
        selinux: fs.existsSync('/sys/fs/selinux/enforce'),
        apparmorAttr: fs.existsSync('/proc/self/attr/apparmor/exec') ? 'apparmor/exec' : 'exec',
      });
    },
    get resctrl() {
      return (resctrl ??= read('/proc/self/mounts').split('\n').some((l) => l.split(' ')[2] === 'resctrl'));
    },
    get cgroup() {
      return (cgroup ??= readCgroupFacts());
    },
    euid: process.geteuid?.() ?? 0,
    // The initial user namespace maps every id to itself.
    inUserNs: !/^\s*0\s+0\s+4294967295\s*$/.test(read('/proc/self/uid_map')),
    systemdBooted: fs.existsSync('/run/systemd/system'),
  };
}
