import fs from 'node:fs';
import path from 'node:path';
import { chooseDriver, containerCgroup } from '../../cgroups/driver.js';
import { TsruncError, isTsruncError } from '../../errors.js';
import { helper } from '../../native/helper.js';
import { planLaunch } from '../../plan/launch.js';
import { loadConfig } from '../../spec/config.js';
import { checkConsoleFlags, sendToConsoleSocket } from '../launch/console.js';
import { compileProfile } from '../launch/seccomp.js';
import { sendToListener } from '../../seccomp/listener.js';
import { stopPoint } from './debug.js';
import { watchContainer } from '../../observe/watch.js';
import { destroy } from './destroy.js';
import { checkNamespaces, checkPidFile, checkRootfs } from '../../host/checks.js';
import { readHostFacts } from '../../host/facts.js';
import { checkId } from '../state/ids.js';
import { listenFds, withListenEnv } from '../launch/listen-fds.js';
import { hookState, runHooks } from '../launch/hooks.js';
import { launchInit } from '../launch/launch-init.js';
import { startTime } from '../state/procfs.js';
import type { ContainerRecord } from '../state/record.js';
import { writeAtomic } from '../../fsutil.js';
import { Store } from '../state/store.js';
import { rfc3339Nano } from '../state/time.js';

export interface CreateOptions {
  root: string;
  id: string;
  bundle: string;
  pidFile?: string;
  noPivot: boolean;
  preserveFds: number;
  systemdCgroup: boolean;
  /** Join a new session keyring named after the container (false: --no-new-keyring). */
  newKeyring?: boolean;
  /** Where the pty master goes when process.terminal is set. */
  consoleSocket?: string;
  /** `run` in the foreground: a terminal without a socket is proxied by the caller. */
  foreground?: boolean;
  warn(message: string): void;
}

export interface Created {
  record: ContainerRecord;
  /** The pty master, for a foreground `run` with a terminal and no console socket. */
  console?: number;
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
  checkPidFile(opts.pidFile);
  if (!Number.isInteger(opts.preserveFds) || opts.preserveFds < 0 || opts.preserveFds > 1000) {
    throw new TsruncError('EUSAGE', `--preserve-fds ${opts.preserveFds}: must be a whole number from 0 to 1000`, '');
  }
  const activated = listenFds();
  if (activated > 0 && spec.process) spec.process.env = withListenEnv(spec.process.env ?? [], activated);
  const preserveFds = activated + opts.preserveFds;
  checkConsoleFlags(Boolean(spec.process?.terminal), opts.consoleSocket, !opts.foreground);
  const seccomp = compileProfile(spec);
  seccomp?.warnings.forEach(opts.warn);
  const facts = readHostFacts();
  const plan = planLaunch(spec, {
    bundleDir: bundle, fifoPath: store.fifoPath(id), noPivot: opts.noPivot,
    containerId: id, newKeyring: opts.newKeyring !== false, ...(seccomp ? { seccomp } : {}),
  }, facts);
  plan.warnings.forEach(opts.warn);
  const cgroups = chooseDriver({ systemdCgroup: opts.systemdCgroup }, facts).plan(spec, id);
  cgroups.warnings.forEach(opts.warn);

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
    cgroup: cgroups.record,
    spec,
  };
  let consoleMaster: number | undefined;
  try {
    store.write(record);
    stopPoint('intent');
    const { cloneInto } = cgroups.prepare();
    // Before the init is spawned into the cgroup: its first fork is counted too.
    watchContainer(containerCgroup(cgroups.record), opts.warn);
    stopPoint('cgroup');
    helper().mkfifo(store.fifoPath(id), 0o622);
    const recordPid = (pid: number) => {
      record.pid = pid;
      const st = startTime(pid);
      if (st !== undefined) record.pidStartTime = st;
      store.write(record);
    };
    const { pidfd } = launchInit(plan, {
      cgroupDir: cloneInto,
      preserveFds,
      onSpawn: (pid) => {
        recordPid(pid);
        stopPoint('spawned');
      },
      onPid: recordPid,
      onNamespaces: (pid) => {
        // Before the init unshares its cgroup namespace.
        cgroups.attach(pid);
        stopPoint('namespaces');
      },
      onSeccompFd: (pid, fd) => sendToListener(spec.linux!.seccomp!, { id, pid, bundle, annotations: record.annotations }, fd),
      onConsole: (master) => {
        if (opts.consoleSocket) sendToConsoleSocket(opts.consoleSocket, master);
        else consoleMaster = master;
      },
      // prestart + createRuntime: tsrunc runs them; createContainer and startContainer
      // run in the init, which fetches their state here ("creating", then "created").
      // prestart is the old name of the same moment; runtime-tools and crun give it the
      // state "created" (the environment is complete), createRuntime "creating".
      onHooks: () => {
        runHooks(spec, ['prestart'], record, 'created', opts.warn);
        runHooks(spec, ['createRuntime'], record, 'creating', opts.warn);
      },
      onHookState: () => JSON.stringify(hookState(record, record.phase === 'created' ? 'created' : 'creating')),
      onReady: () => {
        stopPoint('ready');
        record.phase = 'created';
        store.write(record);
        if (opts.pidFile) writeAtomic(path.resolve(opts.pidFile), String(record.pid), 0o644);
        stopPoint('recorded');
      },
    });
    return { record, pidfd, ...(consoleMaster === undefined ? {} : { console: consoleMaster }) };
  } catch (e) {
    if (consoleMaster !== undefined) fs.closeSync(consoleMaster);
    destroy(store, record);
    // A failed create hook: the spec goes on with destroy, then the poststop hooks.
    if (isTsruncError(e) && e.code === 'EHOOK') {
      try { runHooks(spec, ['poststop'], record, 'stopped', opts.warn); } catch (p) { opts.warn(`poststop hooks: ${p instanceof Error ? p.message : String(p)}`); }
    }
    throw e;
  } finally {
    lock.close();
  }
}
