/**
 * The none driver: the container has no cgroup of its own (a host without a usable
 * hierarchy; issue 12: rootless without delegation). It runs without one; a config with
 * limits is refused at plan time, naming the limit, and every operation that needs a
 * cgroup says so. The container's processes are then only what tsrunc knows: its init.
 */
import { TsruncError, errnoCode } from '../../errors.js';
import type { CgroupDriver, ContainerCgroup } from '../driver.js';
import { devicePolicy } from '../devices/rules.js';
import type { CgroupTree } from '../facts.js';
import { resolveCgroupsPath } from '../paths.js';
import type { CgroupRecord } from '../record.js';
import { routeResources } from '../resources.js';
import { CONFIG_SOURCE } from '../writes.js';

/** Without a cgroup there is nothing to look at. */
const NOTHING: CgroupTree = { exists: () => false, read: () => undefined };

export function noneDriver(): CgroupDriver {
  return {
    kind: 'none',
    plan(spec, id) {
      const r = resolveCgroupsPath(spec.linux?.cgroupsPath, id);
      const record: CgroupRecord = { driver: 'none', createdDirs: [] };
      // Every setting needs a controller that is not there: the first one is the error.
      routeResources(record, () => undefined, NOTHING, spec.linux?.resources ?? {}, CONFIG_SOURCE);
      devicePolicy(spec.linux?.resources?.devices ?? [], CONFIG_SOURCE);
      return { record, warnings: r.warning ? [r.warning] : [], prepare: () => ({}), attach: () => {} };
    },
  };
}

function noCgroup(what: string): TsruncError {
  return new TsruncError('ECGROUP', `the container has no cgroup, which ${what} needs`,
    'it was created where tsrunc could not use a cgroup hierarchy (none mounted, or no permission to create cgroups)');
}

/** A container without a cgroup: `initPid` is the one process tsrunc knows of. */
export class NoCgroup implements ContainerCgroup {
  readonly record: CgroupRecord = { driver: 'none', createdDirs: [] };

  constructor(private readonly initPid: number | undefined) {}

  cloneInto(): undefined { return undefined; }
  join(): void {}
  update(): string[] { throw noCgroup('update'); }
  setFrozen(frozen: boolean): void { throw noCgroup(frozen ? 'pause' : 'resume'); }
  isFrozen(): boolean { return false; }
  pids(): number[] { return this.initPid === undefined ? [] : [this.initPid]; }
  signalAll(signal: number): void {
    if (this.initPid === undefined) return;
    try { process.kill(this.initPid, signal); } catch (e) { if (errnoCode(e) !== 'ESRCH') throw e; }
  }
  stats(): never { throw noCgroup('events'); }
  psi(): undefined { return undefined; }
  oomKills(): never { throw noCgroup('events'); }
  memoryUsage(): never { throw noCgroup('memory.checkBeforeUpdate'); }
  effectiveCpus(): undefined { return undefined; }
  id(): undefined { return undefined; }
  destroy(): void {}
}
