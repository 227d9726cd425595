import fs from 'node:fs';
import type { Command } from 'commander';
import { updateContainer } from '../container/lifecycle/update.js';
import { TsruncError, errnoCode } from '../errors.js';
import type { LinuxResources } from '../spec/generated/types.js';
import { parseConfigPart } from '../spec/config.js';
import { action } from './context.js';

interface UpdateFlags {
  resources?: string;
  memory?: string;
  memorySwap?: string;
  memoryReservation?: string;
  kernelMemory?: string;
  cpuShare?: string;
  cpuShares?: string;
  cpuQuota?: string;
  cpuPeriod?: string;
  cpuBurst?: string;
  cpuRtPeriod?: string;
  cpuRtRuntime?: string;
  cpuIdle?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: string;
  blkioWeight?: string;
}

/** docker's RAMInBytes, as runc takes --memory: "512m", "1g", "1048576", "-1". */
export function parseBytes(flag: string, text: string): number {
  const m = /^(-1|\d+(?:\.\d+)?)\s*([kmgtp]?)i?b?$/i.exec(text.trim());
  if (!m) throw new TsruncError('EUSAGE', `--${flag} ${text}: not a size such as 512m, 1g or -1`, '');
  if (m[1] === '-1') return -1;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }[m[2]!.toLowerCase() as ''];
  return Math.floor(Number(m[1]) * mult);
}

function int(flag: string, text: string): number {
  if (!/^-?\d+$/.test(text.trim())) throw new TsruncError('EUSAGE', `--${flag} ${text}: not a whole number`, '');
  return Number(text);
}

/** The --resources JSON (a LinuxResources object), checked with the config schema. */
function readResources(file: string): LinuxResources {
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new TsruncError('EUSAGE', `--resources ${file}: ${errnoCode(e) ?? String(e)}`, 'give a file with a LinuxResources JSON object, or - for stdin');
  }
  try {
    // null is no resources at all (Go reads it so), and leaves the limits as they are.
    return (parseConfigPart(text, '--resources', 'linux.resources') as LinuxResources | undefined) ?? {};
  } catch (e) {
    if (!(e instanceof TsruncError)) throw e;
    // "--resources: linux.resources.memory.limit: …" → "--resources FILE: memory.limit: …"
    const message = e.message.replace(/^--resources: (linux\.resources(\.|: )?)?/, `--resources ${file}: `);
    throw new TsruncError('EUSAGE', message, 'see the runtime-spec\'s LinuxResources (config-linux.md)');
  }
}

/** --resources, then the single-value flags over it (as runc does). */
export function resourcesFromFlags(f: UpdateFlags, read: (file: string) => LinuxResources = readResources): LinuxResources {
  const r: LinuxResources = f.resources ? read(f.resources) : {};
  const mem = (k: keyof NonNullable<LinuxResources['memory']>, flag: string, v: string | undefined) => {
    if (v !== undefined) r.memory = { ...r.memory, [k]: parseBytes(flag, v) };
  };
  mem('limit', 'memory', f.memory);
  mem('swap', 'memory-swap', f.memorySwap);
  mem('reservation', 'memory-reservation', f.memoryReservation);
  mem('kernel', 'kernel-memory', f.kernelMemory);
  const cpu = (k: keyof NonNullable<LinuxResources['cpu']>, flag: string, v: string | undefined) => {
    if (v !== undefined) r.cpu = { ...r.cpu, [k]: k === 'cpus' || k === 'mems' ? v : int(flag, v) };
  };
  cpu('shares', 'cpu-share', f.cpuShare ?? f.cpuShares);
  cpu('quota', 'cpu-quota', f.cpuQuota);
  cpu('period', 'cpu-period', f.cpuPeriod);
  cpu('burst', 'cpu-burst', f.cpuBurst);
  cpu('realtimePeriod', 'cpu-rt-period', f.cpuRtPeriod);
  cpu('realtimeRuntime', 'cpu-rt-runtime', f.cpuRtRuntime);
  cpu('idle', 'cpu-idle', f.cpuIdle);
  cpu('cpus', 'cpuset-cpus', f.cpusetCpus);
  cpu('mems', 'cpuset-mems', f.cpusetMems);
  if (f.pidsLimit !== undefined) r.pids = { limit: int('pids-limit', f.pidsLimit) };
  if (f.blkioWeight !== undefined) r.blockIO = { ...r.blockIO, weight: int('blkio-weight', f.blkioWeight) };
  return r;
}

export function register(program: Command): void {
  program.command('update').description('change the resource limits of a container')
    .option('-r, --resources <file>', 'a LinuxResources JSON file, or - for stdin')
    .option('--memory <size>', 'memory limit (e.g. 512m; -1: none)')
    .option('--memory-swap <size>', 'memory+swap limit')
    .option('--memory-reservation <size>', 'memory soft limit')
    .option('--kernel-memory <size>', 'ignored by current kernels (accepted like runc)')
    .option('--cpu-share <n>', 'CPU shares (relative weight)')
    .option('--cpu-shares <n>', 'same as --cpu-share')
    .option('--cpu-quota <us>', 'CPU time per period in microseconds (-1: none)')
    .option('--cpu-period <us>', 'CPU period in microseconds')
    .option('--cpu-burst <us>', 'CPU burst in microseconds')
    .option('--cpu-rt-period <us>', 'realtime period (cgroup v1 only)')
    .option('--cpu-rt-runtime <us>', 'realtime runtime (cgroup v1 only)')
    .option('--cpu-idle <0|1>', 'SCHED_IDLE for the cgroup')
    .option('--cpuset-cpus <list>', 'CPUs, e.g. 0-3,7')
    .option('--cpuset-mems <list>', 'memory nodes, e.g. 0')
    .option('--pids-limit <n>', 'maximum number of tasks (-1: none)')
    .option('--blkio-weight <n>', 'block I/O weight, 10 to 1000')
    .argument('<id>', 'container id')
    .action(action((g, log, id: string, flags: UpdateFlags) => {
      updateContainer(g.root, id, resourcesFromFlags(flags), log.warn);
    }));
}
