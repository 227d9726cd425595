/**
 * What this machine is, read once per command and passed to whatever decides: the plan,
 * the cgroup driver, the feature document. Read, never changed; tests pass literals.
 */
import fs from 'node:fs';
import type { HostFacts as PlanFacts } from '../plan/types.js';

export type HostFacts = PlanFacts;

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

export function readHostFacts(): HostFacts {
  // LSMs as runc decides it: AppArmor's securityfs directory and its module parameter; SELinux's selinuxfs.
  const apparmor = fs.existsSync('/sys/kernel/security/apparmor') && read('/sys/module/apparmor/parameters/enabled').startsWith('Y');
  const selinux = fs.existsSync('/sys/fs/selinux/enforce');
  return {
    sourceKind,
    capLastCap: Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim()),
    lsm: { apparmor, selinux, apparmorAttr: fs.existsSync('/proc/self/attr/apparmor/exec') ? 'apparmor/exec' : 'exec' },
    resctrl: read('/proc/self/mounts').split('\n').some((l) => l.split(' ')[2] === 'resctrl'),
  };
}
