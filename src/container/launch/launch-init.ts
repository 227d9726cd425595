/**
 * Starting the init and walking it through its plan: spawn (clone3 into the cgroup),
 * id maps for a new user namespace, the plan, then the rendezvous until the init
 * detaches. Shared by create and exec; each says what happens at each point.
 */
import fs from 'node:fs';
import { TsruncError, errnoCode } from '../../errors.js';
import { helper } from '../../native/helper.js';
import { initPath } from '../../native/paths.js';
import { SYNC } from '../../native/wire.js';
import type { IdMapping, LaunchPlan } from '../../plan/types.js';
import { InitChannel, initFailure } from './channel.js';

export interface LaunchHooks {
  /** The unified cgroup to clone into. */
  cgroupDir?: string | undefined;
  preserveFds: number;
  /** Right after clone3: the pid exists (record it before anything else can fail). */
  onSpawn?(pid: number): void;
  /** The init forked into its pid namespace: this is the container process now. */
  onPid?(pid: number): void;
  /** The NAMESPACES rendezvous: the process exists in its namespaces, nothing runs yet. */
  onNamespaces?(pid: number): void;
  /** The READY rendezvous: everything is set up; the process waits for our go. */
  onReady?(pid: number): void;
  /** The HOOKS rendezvous (before the root is switched): run prestart and createRuntime hooks. */
  onHooks?(pid: number): void;
  /** OP_HOOK_STATE: the OCI state JSON the init passes to its createContainer/startContainer hooks. */
  onHookState?(pid: number): string;
  /** The pty master of the container's terminal (our own copy; the callee owns it). */
  onConsole?(master: number): void;
  /** The seccomp notify fd (our own copy, closed after the call): for the listener. */
  onSeccompFd?(pid: number, fd: number): void;
}

export interface Launched {
  pid: number;
  /** A pidfd of the container process. */
  pidfd: number;
}

/** Spawns the init for `plan` and drives it until it detaches; on failure it is killed. */
export function launchInit(plan: LaunchPlan, hooks: LaunchHooks): Launched {
  const h = helper();
  const [parentFd, childFd] = h.socketpair();
  const chan = new InitChannel(parentFd);
  let cgroupFd = -1;
  let spawned: Launched;
  try {
    if (hooks.cgroupDir) cgroupFd = h.openDirPath(hooks.cgroupDir);
    spawned = h.spawn({
      initPath: initPath(),
      sockFd: childFd,
      preserveFds: hooks.preserveFds,
      cloneFlags: plan.cloneFlags,
      cgroupFd,
      waitForUsernsMap: plan.userns !== undefined,
    });
  } catch (e) {
    chan.close();
    throw new TsruncError('ESPAWN', `start the init: ${e instanceof Error ? e.message : String(e)}`,
      'check that native/build/tsrunc-init exists (npm run build) and that the kernel allows the namespaces in config.json');
  } finally {
    fs.closeSync(childFd);
    if (cgroupFd >= 0) fs.closeSync(cgroupFd);
  }
  const current: Launched = { ...spawned };
  try {
    hooks.onSpawn?.(current.pid);
    if (plan.userns) {
      writeIdMaps(current.pid, plan.userns);
      chan.reply('m');
    }
    chan.sendPlan(plan.steps);
    converse(chan, plan, current, hooks);
    return current;
  } catch (e) {
    for (const fd of new Set([spawned.pidfd, current.pidfd])) {
      try { h.pidfdSignal(fd, 9); } catch { /* gone already */ }
    }
    throw e;
  } finally {
    chan.close();
    if (current.pidfd !== spawned.pidfd) fs.closeSync(spawned.pidfd);
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

/** A pidfd of the process, or -1 when it has already exited and been reaped (its
 * error message, if any, follows on the socket). */
function openPidfd(pid: number): number {
  try {
    return helper().pidfdOpen(pid);
  } catch (e) {
    if (errnoCode(e) === 'ESRCH') return -1;
    throw e;
  }
}

function converse(chan: InitChannel, plan: LaunchPlan, cur: Launched, hooks: LaunchHooks): void {
  let ready = false;
  for (;;) {
    const msg = chan.next();
    switch (msg.msg) {
      case 'PID': {
        // The init forked: its parent (our child) exits now; reap it here, so that no
        // zombie of ours is left for the engine's subreaper to find.
        const intermediate = cur.pidfd;
        cur.pid = msg.pid;
        cur.pidfd = openPidfd(msg.pid);
        try { helper().waitPidfdSync(intermediate); } catch { /* reaped or not ours */ }
        hooks.onPid?.(msg.pid);
        break;
      }
      case 'SYNC':
        if (msg.tag === SYNC.HOOK_STATE) {
          chan.replyState(Buffer.from(hooks.onHookState?.(cur.pid) ?? '{}'));
          break;
        }
        if (msg.tag === SYNC.HOOKS) hooks.onHooks?.(cur.pid);
        if (msg.tag === SYNC.NAMESPACES) hooks.onNamespaces?.(cur.pid);
        if (msg.tag === SYNC.READY) {
          hooks.onReady?.(cur.pid);
          ready = true;
        }
        chan.reply('g');
        break;
      case 'CONSOLE_FD': {
        const master = helper().pidfdGetfd(cur.pidfd, msg.fd);
        if (hooks.onConsole) hooks.onConsole(master);
        else fs.closeSync(master);
        chan.reply('g');
        break;
      }
      case 'SECCOMP_FD': {
        const fd = helper().pidfdGetfd(cur.pidfd, msg.fd);
        try {
          hooks.onSeccompFd?.(cur.pid, fd);
        } finally {
          fs.closeSync(fd);
        }
        chan.reply('g');
        break;
      }
      case 'ERROR':
        throw initFailure(msg, plan.steps);
      case 'EOF':
        if (ready) return;
        throw new TsruncError('EINIT', 'the container init exited before the container was created',
          'run with --debug and check the kernel log (dmesg) for what killed it');
    }
  }
}
