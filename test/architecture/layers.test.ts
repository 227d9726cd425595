/**
 * The layout is the architecture: every import in src/ points down the layers below (or
 * stays inside its own folder), so a lower part never depends on a higher one. A new
 * folder must be placed here, or this test fails.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '..', '..', 'src');

/** Bottom first. Folders in one row must not import each other. */
const LAYERS: string[][] = [
  ['errors.ts', 'sleep.ts', 'json.ts'],
  ['fsutil.ts', 'spec', 'native'],
  ['plan', 'seccomp', 'cgroups'],
  ['observe', 'host'],
  ['container/state'],
  ['container/launch'],
  ['container/exec'],
  ['container/lifecycle'],
  ['cli'],
  ['entry.ts'],
];

const UNITS = LAYERS.flatMap((row, rank) => row.map((unit) => ({ unit, rank })))
  // The most specific unit first: container/state before a plain container.
  .sort((a, b) => b.unit.length - a.unit.length);

/** The unit (layer entry) a file of src/ belongs to. */
function unitOf(rel: string): { unit: string; rank: number } | undefined {
  return UNITS.find((u) => rel === u.unit || rel.startsWith(u.unit + '/'));
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Relative imports of a file (static, dynamic, type-only), as paths relative to src/. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    out.push(path.relative(SRC, path.resolve(path.dirname(file), m[1]!)).replace(/\.js$/, '.ts'));
  }
  return out;
}

/** Why an import from `from` to `to` (paths relative to src/) is wrong, or undefined when it is fine. */
function violation(from: string, to: string): string | undefined {
  const a = unitOf(from);
  const b = unitOf(to);
  if (!a || !b) return `${from} -> ${to} (outside the layers)`;
  if (a.unit !== b.unit && b.rank >= a.rank) return `${from} -> ${to} (${a.unit} may not depend on ${b.unit})`;
  return undefined;
}

const files = sourceFiles(SRC).map((f) => path.relative(SRC, f));

describe('the layers of src/', () => {
  it('place every file', () => {
    expect(files.filter((f) => !unitOf(f))).toEqual([]);
  });

  it('have no import that points up or sideways', () => {
    const wrong = files.flatMap((f) => importsOf(path.join(SRC, f)).map((t) => violation(f, t)).filter(Boolean));
    expect(wrong).toEqual([]);
  });

  it('tell an upward or sideways import from a downward one', () => {
    expect(violation('cgroups/driver.ts', 'container/state/record.ts')).toMatch(/cgroups may not depend on container\/state/);
    expect(violation('observe/sample.ts', 'container/state/store.ts')).toMatch(/observe may not depend/);
    expect(violation('plan/launch.ts', 'container/lifecycle/create.ts')).toMatch(/plan may not depend/);
    expect(violation('container/state/store.ts', 'container/lifecycle/create.ts')).toMatch(/container\/state may not depend/);
    expect(violation('plan/launch.ts', 'cgroups/driver.ts')).toMatch(/sideways|may not depend/);
    expect(violation('container/lifecycle/create.ts', 'cgroups/driver.ts')).toBeUndefined();
    expect(violation('cgroups/driver.ts', 'cgroups/devices/rules.ts')).toBeUndefined();
    expect(violation('newdir/x.ts', 'errors.ts')).toMatch(/outside the layers/);
  });

  it('let the lifecycle reach cgroups through the driver seam only', () => {
    const direct = files.filter((f) => f.startsWith('container/'))
      .flatMap((f) => importsOf(path.join(SRC, f)).filter((t) => t.startsWith('cgroups/') && t !== 'cgroups/driver.ts').map((t) => `${f} -> ${t}`));
    expect(direct).toEqual([]);
  });

  it('keep files focused: none over 400 lines (generated code aside)', () => {
    const long = files.filter((f) => !f.startsWith('spec/generated/'))
      .map((f) => [f, fs.readFileSync(path.join(SRC, f), 'utf8').split('\n').length] as const)
      .filter(([, n]) => n > 400);
    expect(long).toEqual([]);
  });
});
