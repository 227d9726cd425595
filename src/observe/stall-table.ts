/**
 * The stall report for people: one row per container, PSI avg10 as the kernel reports
 * it, the window's fork rate and throttling, OOM kills, then one line per finding with
 * its offenders (measured evidence, inferred blame).
 */
import type { Offender, OffenderReason } from './stall-analysis.js';
import type { StallReport } from './stall-report.js';

const pct = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(1));

const REASON: Record<OffenderReason, string> = { cpu_share: 'largest cpu share', fork_storm: 'fork storm', short_job_churn: 'short-job churn' };

/** "web [inferred: largest cpu share; measured: 100% of the neighbours' cpu time, 27.4% of a cpu, 0 forks/s, 0 short-lived/s]" */
function offenderText(o: Offender): string {
  const m = o.measured;
  const procs = m.forks_per_sec !== undefined ? `, ${m.forks_per_sec} forks/s, ${m.short_lived_per_sec ?? 0} short-lived/s` : '';
  return `${o.offender} [inferred: ${o.reasons.map((r) => REASON[r]).join(', ')}; measured: ${m.cpu_share_pct}% of the neighbours' cpu time, ${m.cpu_pct}% of a cpu${procs}]`;
}

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
      if (f.kind === 'cpu_contention' && c.offenders?.length) {
        line += ` <- ${c.offenders.map(offenderText).join('; ')}`;
      } else if (f.kind === 'cpu_contention') {
        line += ' <- no container here used its CPUs in the window (host load or its own tasks)';
      }
      notes.push(line);
    }
  }
  const collector = r.collector.mode === 'ebpf' ? `eBPF collector: ${r.collector.flavour ?? 'loaded'}` : `no eBPF (${r.collector.reason ?? 'unavailable'}): PSI and cgroup files only`;
  return [...lines, '', ...(notes.length ? notes : ['no findings']), `PSI columns: avg10 %; CPU %, FORKS/S: over the last window; ${collector}`, ''].join('\n');
}
