// Builds everything: spec types and validators, the C side, and the one-file CLI.
// `node scripts/build.mjs` (npm run build). Each step is cheap when nothing changed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

run(process.execPath, ['scripts/gen-spec.mjs']);
run('make', ['-s', '-C', 'native']);
// The eBPF collector (clang -target bpf). Without clang tsrunc still builds and runs in
// its "no eBPF" mode (PSI and cgroup files only), so a missing compiler is a warning.
try {
  execFileSync('clang', ['--version'], { stdio: 'ignore' });
  run('make', ['-s', '-C', 'bpf']);
} catch (e) {
  if (e.code !== 'ENOENT') throw e;
  console.warn('build: clang not found: the eBPF collector is left out (scripts/setup.sh installs it)');
}

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
} catch {
  // not a git checkout
}

const out = path.join(root, 'dist', 'tsrunc');
await esbuild.build({
  entryPoints: [path.join(root, 'src', 'entry.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // koffi carries a native addon: it is loaded from node_modules at run time, lazily.
  external: ['koffi'],
  // The interpreter by absolute path: engines run us with an empty environment (no PATH).
  banner: { js: `#!${process.execPath}` },
  define: { TSRUNC_VERSION: JSON.stringify(pkg.version), TSRUNC_COMMIT: JSON.stringify(commit) },
  legalComments: 'none',
  logLevel: 'warning',
});
fs.writeFileSync(path.join(root, 'dist', 'package.json'), '{"type":"commonjs"}\n');
fs.chmodSync(out, 0o755);
console.log(`built ${path.relative(root, out)} (${(fs.statSync(out).size / 1024).toFixed(0)} KiB)`);
