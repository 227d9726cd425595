import fs from 'node:fs';
import path from 'node:path';
import { checkUsable, containerCgroupPath, createDirs, missingDirs, unifiedMount } from '../cgroups/unified.js';
import { TsruncError } from '../errors.js';
import { helper } from '../native/helper.js';
import { nativeDir } from '../native/paths.js';
import { SYNC } from '../native/wire.js';
import { planLaunch } from '../plan/launch.js';
import type { IdMapping, LaunchPlan } from '../plan/types.js';
import { loadConfig } from '../spec/config.js';
import { InitChannel, initFailure } from './channel.js';
import { stopPoint } from './debug.js';
import { destroy } from './destroy.js';
import { checkNamespaces, checkPidFileDir, checkRootfs, hostFacts } from './host-checks.js';
import { checkId } from './ids.js';
import { startTime } from './procfs.js';
import type { ContainerRecord } from './record.js';
import { Store, writeAtomic } from './store.js';
import { rfc3339Nano } from './time.js';

export interface CreateOptions {
  root: string;
  id: string;
  bundle: string;
  pidFile?: string;
  noPivot: boolean;
  preserveFds: number;
  systemdCgroup: boolean;
  warn(message: string): void;
}

export interface Created {
  record: ContainerRecord;
  /** A pidfd of the container process (its parent is this process, or it was re-parented to us). */
  pidfd: number;
}

/**
 * `create`: everything is validated and planned before the first side effect; then the
 * intent is recorded, resources are taken one by one, and on any failure all of them
 * are released again (destroy), so nothing is left half-created.
 */
export function createContainer(opts: CreateOptions): Created {
  const store = new Store(opts.root);
  const id = checkId(opts.id);
  store.assertFree(id);
  const bundle = path.resolve(opts.bundle);
  const spec = loadConfig(bundle);
  const rootfs = checkRootfs(spec, bundle);
  checkNamespaces(spec);
  checkPidFileDir(opts.pidFile);
  const preserveFds = opts.preserveFds;
  if (!Number.isInteger(preserveFds) || preserveFds < 0 || preserveFds > 1000) {
    throw new TsruncError('EUSAGE', `--preserve-fds ${preserveFds}: must be a whole number from 0 to 1000`, '');
  }
  const plan = planLaunch(spec, { bundleDir: bundle, fifoPath: store.fifoPath(id), noPivot: opts.noPivot }, hostFacts());
  plan.warnings.forEach(opts.warn);
  const mount = unifiedMount();
  let cgroup: ContainerRecord['cgroup'];
  if (mount) {
    const cg = containerCgroupPath(spec.linux?.cgroupsPath, id);
    if (cg.warning) opts.warn(cg.warning);
    const dir = path.join(mount, cg.path);
    checkUsable(dir);
    cgroup = { unified: dir, createdDirs: missingDirs(mount, cg.path) };
  }

  const lock = store.claim(id);
  const self = startTime(process.pid) ?? '';
  const record: ContainerRecord = {
    version: 1,
    id,
    bundle,
    rootfs,
    created: rfc3339Nano(),
    owner: '',
    annotations: spec.annotations ?? {},
    phase: 'creating',
    creator: { pid: process.pid, startTime: self },
    ownPidNs: plan.ownPidNs,
    systemdCgroup: opts.systemdCgroup,
    ...(cgroup ? { cgroup } : {}),
    spec,
  };
  let pidfd = -1;
  try {
    store.write(record);
    stopPoint('intent');
    if (cgroup) createDirs(cgroup.createdDirs);
    stopPoint('cgroup');
    helper().mkfifo(store.fifoPath(id), 0o622);
    const spawned = spawnInit(plan, record, preserveFds);
    pidfd = spawned.pidfd;
    store.write(record);
    stopPoint('spawned');
    const chan = spawned.chan;
    try {
      if (plan.userns) {
        writeIdMaps(record.pid!, plan.userns);
        chan.reply('m');
      }
      chan.sendPlan(plan.steps);
      pidfd = converse(chan, plan, record, store, opts.pidFile, pidfd);
    } finally {
      chan.close();
    }
    return { record, pidfd };
  } catch (e) {
    if (pidfd >= 0) fs.closeSync(pidfd);
    destroy(store, record);
    throw e;
  } finally {
    lock.close();
  }
}

function spawnInit(plan: LaunchPlan, record: ContainerRecord, preserveFds: number): { chan: InitChannel; pidfd: number } {
  const h = helper();
  const [parentFd, childFd] = h.socketpair();
  let cgroupFd = -1;
  try {
    if (record.cgroup) cgroupFd = h.openDirPath(record.cgroup.unified);
    const { pid, pidfd } = h.spawn({
      initPath: path.join(nativeDir(), 'tsrunc-init'),
      sockFd: childFd,
      preserveFds,
      cloneFlags: plan.cloneFlags,
      cgroupFd,
      waitForUsernsMap: plan.userns !== undefined,
    });
    record.pid = pid;
    const st = startTime(pid);
    if (st !== undefined) record.pidStartTime = st;
    return { chan: new InitChannel(parentFd), pidfd };
  } catch (e) {
    fs.closeSync(parentFd);
    throw new TsruncError('ESPAWN', `start the init: ${e instanceof Error ? e.message : String(e)}`,
      'check that native/build/tsrunc-init exists (npm run build) and that the kernel allows the namespaces in config.json');
  } finally {
    fs.closeSync(childFd);
    if (cgroupFd >= 0) fs.closeSync(cgroupFd);
  }
}

function writeIdMaps(pid: number, maps: { uidMappings: IdMapping[]; gidMappings: IdMapping[] }): void {
  const text = (m: IdMapping[]) => m.map((e) => `${e.containerID} ${e.hostID} ${e.size}\n`).join('');
  for (const [file, m] of [['uid_map', maps.uidMappings], ['gid_map', maps.gidMappings]] as const) {
    try {
      fs.writeFileSync(`/proc/${pid}/${file}`, text(m));
    } catch (e) {
      throw new TsruncError('EBUNDLE_USERNS', `config.json: linux.${file === 'uid_map' ? 'uidMappings' : 'gidMappings'}: write /proc/${pid}/${file}: ${(e as NodeJS.ErrnoException).code ?? e}`,
        'mappings must not overlap and must map host ids this runtime may use');
    }
  }
}

/** Drives the init through its rendezvous until it detaches. Returns the pidfd of the
 * container process (a new one when the init forked into its pid namespace). */
function converse(chan: InitChannel, plan: LaunchPlan, record: ContainerRecord, store: Store, pidFile: string | undefined, pidfd: number): number {
  for (;;) {
    const msg = chan.next();
    switch (msg.type) {
      case 'pid': {
        record.pid = msg.pid;
        const st = startTime(msg.pid);
        if (st !== undefined) record.pidStartTime = st;
        store.write(record);
        const fd = helper().pidfdOpen(msg.pid);
        fs.closeSync(pidfd);
        pidfd = fd;
        break;
      }
      case 'sync':
        if (msg.tag === SYNC.NAMESPACES) {
          stopPoint('namespaces');
        } else if (msg.tag === SYNC.READY) {
          stopPoint('ready');
          record.phase = 'created';
          store.write(record);
          if (pidFile) writeAtomic(path.resolve(pidFile), String(record.pid), 0o644);
          stopPoint('recorded');
        }
        chan.reply('g');
        break;
      case 'error':
        throw initFailure(msg.error, plan.steps);
      case 'eof':
        if (record.phase === 'created') return pidfd;
        throw new TsruncError('EINIT', 'the container init exited before the container was created',
          'run with --debug and check the kernel log (dmesg) for what killed it');
    }
  }
}
