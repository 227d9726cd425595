/**
 * The stall report for people: one row per container, PSI avg10 as the kernel reports
 * it, the window's fork rate and throttling, OOM kills, then one line per finding with
 * its inferred offender.
 */
import type { StallReport } from './stall-report.js';

const pct = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(1));

export function formatStallTable(r: StallReport): string {
  const head = ['ID', 'STATUS', 'CPU SOME', 'CPU FULL', 'MEM SOME', 'MEM FULL', 'IO SOME', 'IO FULL', 'CPU %', 'FORKS/S', 'THROTTLED', 'OOM'];
  const rows = r.containers.map((c) => [
    c.id, c.status,
    pct(c.psi_avg10.cpu_some), pct(c.psi_avg10.cpu_full), pct(c.psi_avg10.memory_some), pct(c.psi_avg10.memory_full),
    pct(c.psi_avg10.io_some), pct(c.psi_avg10.io_full),
    pct(c.cpu_usage_pct),
    c.forks_per_sec === undefined ? '-' : c.forks_per_sec.toFixed(1),
    String(c.throttled_periods), String(c.oom_kills),
  ]);
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  const lines = all.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  const notes: string[] = [];
  for (const c of r.containers) {
    for (const f of c.findings) {
      let line = `${c.id}: ${f.severity} ${f.kind} ${f.value} (threshold ${f.threshold}; ${f.basis})`;
      if (f.kind === 'cpu_contention' && c.attribution) {
        const a = c.attribution;
        line += ` <- ${a.offender} [inferred: ${a.cpu_share_pct}% of the neighbours' cpu time, ${a.offender_cpu_pct}% of a cpu${a.offender_forks_per_sec !== undefined ? `, ${a.offender_forks_per_sec} forks/s` : ''}]`;
      } else if (f.kind === 'cpu_contention') {
        line += ' <- no container here used its CPUs in the window (host load or its own tasks)';
      }
      notes.push(line);
    }
  }
  const collector = r.collector.mode === 'ebpf' ? `eBPF collector: ${r.collector.flavour ?? 'loaded'}` : `no eBPF (${r.collector.reason ?? 'unavailable'}): PSI and cgroup files only`;
  return [...lines, '', ...(notes.length ? notes : ['no findings']), `PSI columns: avg10 %; CPU %, FORKS/S: over the last window; ${collector}`, ''].join('\n');
}
