/** `ps`: the host pids of every process in the container's cgroups. */
import { containerCgroup } from '../../cgroups/driver.js';
import { TsruncError } from '../../errors.js';
import { LIVE, loadContainer, requireStatus } from '../state/access.js';
import { Store } from '../state/store.js';

export function containerProcesses(root: string, id: string): number[] {
  const c = loadContainer(new Store(root), id);
  requireStatus(c, LIVE, 'ps');
  const { rec } = c;
  return containerCgroup(rec.cgroup, rec.pid).pids();
}

/**
 * runc's table: ps(1)'s output (default `ps -ef`) cut down to the header and the lines
 * whose PID column is one of the container's. Pure, for tests.
 */
export function filterPsTable(psOutput: string, pids: readonly number[]): string {
  const lines = psOutput.split('\n');
  const header = lines[0] ?? '';
  const col = header.trim().split(/\s+/).indexOf('PID');
  if (col < 0) throw new TsruncError('EUSAGE', 'ps output has no PID column', 'keep the PID column in the ps options (e.g. -ef)');
  const want = new Set(pids.map(String));
  const rows = lines.slice(1).filter((l) => l.trim() !== '' && want.has(l.trim().split(/\s+/)[col] ?? ''));
  return [header, ...rows].join('\n') + '\n';
}
