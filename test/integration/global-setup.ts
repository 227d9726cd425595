import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Every path below dir (not into bin/, whose applet links never change). */
function listing(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((p) => !p.startsWith('bin/')).sort();
}

/**
 * Integration tests need the built CLI and the example rootfs, which they all share
 * read-only. The teardown proves that: a test that makes the init create a mount point
 * in the shared image (instead of in a copy of its own) fails the run.
 */
export default function setup(): () => void {
  const repo = path.resolve(__dirname, '..', '..');
  if (!fs.existsSync(path.join(repo, 'dist', 'tsrunc'))) {
    throw new Error('dist/tsrunc is missing: run `npm run build` first');
  }
  const rootfs = path.join(repo, 'bundles', 'example', 'rootfs');
  execFileSync('bash', [path.join(repo, 'scripts', 'make-rootfs.sh'), rootfs], { stdio: 'inherit' });
  const before = listing(rootfs);
  // The seccomp tests fill tsrunc's compile cache at its production place.
  const cache = '/run/tsrunc-cache';
  const cacheBefore = fs.existsSync(cache);
  return () => {
    // The tests' collector pins: removing them detaches its programs.
    const pins = process.env['TSRUNC_BPF_PIN_DIR'];
    if (pins?.startsWith('/sys/fs/bpf/tsrunc-test')) fs.rmSync(pins, { recursive: true, force: true });
    if (!cacheBefore) fs.rmSync(cache, { recursive: true, force: true });
    const after = listing(rootfs);
    const added = after.filter((p) => !before.includes(p));
    const removed = before.filter((p) => !after.includes(p));
    if (added.length + removed.length > 0) {
      throw new Error(`a test changed the shared rootfs ${rootfs}: added [${added.join(' ')}], removed [${removed.join(' ')}]`);
    }
  };
}
