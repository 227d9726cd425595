/** What the host offers for confinement: enabled LSMs and Intel RDT. Read, never changed. */
import fs from 'node:fs';
import type { HostFacts } from '../plan/types.js';

function read(p: string): string {
  try { return fs.readFileSync(p, 'utf8'); } catch { return ''; }
}

/** As runc decides it: AppArmor's securityfs directory and its module parameter; SELinux's selinuxfs. */
export function confinementFacts(): Pick<HostFacts, 'lsm' | 'resctrl'> {
  const apparmor = fs.existsSync('/sys/kernel/security/apparmor') && read('/sys/module/apparmor/parameters/enabled').startsWith('Y');
  const selinux = fs.existsSync('/sys/fs/selinux/enforce');
  return {
    lsm: { apparmor, selinux, apparmorAttr: fs.existsSync('/proc/self/attr/apparmor/exec') ? 'apparmor/exec' : 'exec' },
    resctrl: read('/proc/self/mounts').split('\n').some((l) => l.split(' ')[2] === 'resctrl'),
  };
}
