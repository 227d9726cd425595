/** Crash safety of create, and concurrent creates of one id. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Sandbox, TSRUNC, alive, cgroupLeftovers, cleanEnv, waitFor } from './harness.js';

const sb = new Sandbox('store');
afterAll(() => sb.cleanup());

function stopped(pid: number): boolean {
  try {
    return /\) T /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Processes whose cgroup (in the unified hierarchy) is below `cg`. */
function processesIn(cg: string): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(`0::${cg}`);
    } catch {
      return false;
    }
  });
}

describe('create killed at each phase', () => {
  for (const point of ['intent', 'cgroup', 'spawned', 'namespaces', 'ready', 'recorded']) {
    it(`leaves nothing behind after delete --force (killed at "${point}")`, async () => {
      const bundle = sb.bundle(['sleep', '30']);
      const cg = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')).linux.cgroupsPath as string;
      const id = `crash-${point}`;
      const child = spawn(TSRUNC, ['--root', sb.root, 'create', '--bundle', bundle, id], {
        env: cleanEnv({ TSRUNC_TEST_STOP_AT: point }),
        stdio: 'ignore',
      });
      const exited = new Promise((r) => child.on('exit', r));
      await waitFor(() => stopped(child.pid!), `tsrunc to stop at ${point}`);
      child.kill('SIGKILL');
      await exited;

      const state = sb.tsrunc(['state', id]);
      expect(state.status).toBe(0);
      expect(['stopped', 'created']).toContain(JSON.parse(state.stdout).status);

      const del = sb.tsrunc(['delete', '--force', id]);
      expect(del.stderr).toBe('');
      expect(del.status).toBe(0);
      expect(fs.existsSync(path.join(sb.root, id))).toBe(false);
      expect(cgroupLeftovers(cg)).toEqual([]);
      await waitFor(() => processesIn(cg).length === 0, 'no process left');
    });
  }
});

describe('concurrent create of one id', () => {
  it('lets exactly one win; the others fail before any side effect', async () => {
    const bundles = [0, 1, 2, 3].map(() => sb.bundle(['true']));
    const results = await Promise.all(bundles.map((b) => new Promise<{ code: number | null; err: string }>((resolve) => {
      const c = spawn(TSRUNC, ['--root', sb.root, 'create', '--bundle', b, 'race'], { env: cleanEnv() });
      let err = '';
      c.stderr.on('data', (d) => { err += d; });
      c.on('exit', (code) => resolve({ code, err }));
    })));
    const winners = results.filter((r) => r.code === 0);
    expect(winners).toHaveLength(1);
    for (const r of results.filter((x) => x.code !== 0)) expect(r.err).toContain('already exists');
    const state = JSON.parse(sb.tsrunc(['state', 'race']).stdout);
    expect(state.status).toBe('created');
    // The losers created no cgroup of their own.
    const losers = bundles.filter((b) => b !== state.bundle);
    for (const b of losers) {
      const cg = JSON.parse(fs.readFileSync(path.join(b, 'config.json'), 'utf8')).linux.cgroupsPath;
      expect(cgroupLeftovers(cg)).toEqual([]);
    }
    expect(sb.tsrunc(['delete', 'race']).status).toBe(0);
    expect(alive(state.pid)).toBe(false);
  });
});

describe('a record written before cgroup drivers', () => {
  it('(no "driver" in its cgroup part) still works: pause, ps, update, kill --all, delete', async () => {
    const bundle = sb.bundle(['sleep', '30']);
    const cg = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')).linux.cgroupsPath as string;
    const id = 'old-record';
    expect(sb.tsrunc(['run', '-d', '--bundle', bundle, id]).status).toBe(0);
    const file = path.join(sb.root, id, 'state.json');
    const rec = JSON.parse(fs.readFileSync(file, 'utf8'));
    const driver = rec.cgroup.driver;
    expect(driver).toBe(rec.cgroup.v1 ? 'hybrid' : 'v2');
    delete rec.cgroup.driver;
    fs.writeFileSync(file, JSON.stringify(rec));

    expect(sb.tsrunc(['pause', id]).status).toBe(0);
    expect(JSON.parse(sb.tsrunc(['state', id]).stdout).status).toBe('paused');
    expect(sb.tsrunc(['resume', id]).status).toBe(0);
    expect(JSON.parse(sb.tsrunc(['ps', '--format', 'json', id]).stdout)).toEqual([rec.pid]);
    const upd = sb.tsrunc(['update', '--pids-limit', '7', id]);
    expect(upd.stderr).toBe('');
    expect(fs.readFileSync(path.join(rec.cgroup.v1?.pids ?? rec.cgroup.unified, 'pids.max'), 'utf8').trim()).toBe('7');
    // The record written back by update names the driver it inferred.
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).cgroup.driver).toBe(driver);
    expect(sb.tsrunc(['kill', '--all', id, 'KILL']).status).toBe(0);
    await waitFor(() => !alive(rec.pid), 'the container process to die');
    expect(sb.tsrunc(['delete', id]).status).toBe(0);
    expect(cgroupLeftovers(cg)).toEqual([]);
  });
});
