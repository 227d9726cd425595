import { TsruncError } from '../errors.js';
import { IDENTITY } from '../native/wire.js';
import { RLIMITS, RLIM_INFINITY } from './flags.js';
import { capabilityMasks } from './capabilities.js';
import type { Process, Spec, Step } from './types.js';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The spec's process, checked; the init needs one. */
export function requireProcess(spec: Spec): Process {
  const p = spec.process;
  if (!p) throw new TsruncError('EBUNDLE_PROCESS', 'config.json: process: required to create a container', 'add a process with args and cwd');
  if (!p.args || p.args.length === 0 || p.args[0] === '') {
    throw new TsruncError('EBUNDLE_PROCESS', 'config.json: process.args: must name the program to run', 'e.g. "args": ["sh"]');
  }
  if (!p.cwd.startsWith('/')) {
    throw new TsruncError('EBUNDLE_PROCESS', `config.json: process.cwd: "${p.cwd}" is not an absolute path`, 'cwd is a path inside the container, e.g. "/"');
  }
  if (/^\/proc\/(self|thread-self|\d+)\/fd(\/|$)/.test(p.cwd)) {
    throw new TsruncError('EBUNDLE_PROCESS', `config.json: process.cwd: "${p.cwd}" points into /proc/.../fd`, 'use a directory of the container (CVE-2024-21626)');
  }
  return p;
}

function limitValue(v: number): bigint {
  // JSON numbers at or above 2^64-1 have lost precision: they mean "unlimited".
  return v >= 2 ** 64 - 1 ? RLIM_INFINITY : BigInt(v);
}

/** process.rlimits as setrlimit steps; unknown types, duplicates and soft > hard are errors. */
export function planRlimits(process: Process): Step[] {
  const seen = new Set<string>();
  return (process.rlimits ?? []).map((r, i) => {
    const field = `config.json: process.rlimits[${i}]`;
    const resource = RLIMITS[r.type];
    if (resource === undefined) {
      throw new TsruncError('EBUNDLE_RLIMIT', `${field}.type: unknown rlimit "${r.type}"`, `use one of ${Object.keys(RLIMITS).join(', ')}`);
    }
    if (seen.has(r.type)) throw new TsruncError('EBUNDLE_RLIMIT', `${field}.type: duplicate rlimit "${r.type}"`, 'list each rlimit once');
    seen.add(r.type);
    const soft = limitValue(r.soft);
    const hard = limitValue(r.hard);
    if (soft > hard) {
      throw new TsruncError('EBUNDLE_RLIMIT', `${field}: soft limit ${r.soft} is above hard limit ${r.hard}`, 'make soft ≤ hard');
    }
    return { op: { op: 'RLIMIT', resource, soft, hard }, what: `set ${r.type} to ${r.soft}/${r.hard}` };
  });
}

/** The PATH the executable is looked up in: the container's own, as execvp would see it. */
export function searchPath(process: Process): string {
  const entry = (process.env ?? []).find((e) => e.startsWith('PATH='));
  return entry === undefined ? DEFAULT_PATH : entry.slice(5);
}

/** The steps that turn the init into the user process, after `start`. `inUserns`: the
 * process is in a user namespace (new or joined), whose setgroups may be "deny". */
export function planIdentity(process: Process, capLastCap: number, inUserns: boolean): { steps: Step[]; warnings: string[] } {
  const { masks, warnings } = capabilityMasks(process, capLastCap);
  const user = process.user ?? { uid: 0, gid: 0 };
  const groups = user.additionalGids ?? [];
  // Where setgroups is "deny" even an empty list is refused, and there is nothing to drop.
  const flags = inUserns && groups.length === 0 ? IDENTITY.SETGROUPS_DENIED_OK : 0;
  const steps: Step[] = [
    { op: { op: 'UMASK', mask: user.umask ?? 0o022 }, what: 'set the umask' },
    { op: { op: 'CAPS_BOUNDING', bounding: masks.bounding }, what: 'drop capabilities from the bounding set' },
    {
      op: { op: 'IDENTITY', uid: user.uid, gid: user.gid, groups, flags },
      what: `become uid ${user.uid} gid ${user.gid}`,
    },
    {
      op: { op: 'CAPS', effective: masks.effective, permitted: masks.permitted, inheritable: masks.inheritable, ambient: masks.ambient },
      what: 'set capabilities',
    },
  ];
  if (process.noNewPrivileges) steps.push({ op: { op: 'NO_NEW_PRIVS' }, what: 'set no_new_privs' });
  return { steps, warnings };
}
