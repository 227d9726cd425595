import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { firstSyntaxError } from '../../src/spec/json-text.js';

const repo = path.resolve(__dirname, '..', '..');
const gen = path.join(repo, 'src', 'spec', 'generated');

describe('generated code', () => {
  it('is deterministic', () => {
    const read = () => ['types.ts', 'validators.js', 'validators.d.ts'].map((f) => fs.readFileSync(path.join(gen, f), 'utf8'));
    const before = read();
    execFileSync(process.execPath, [path.join(repo, 'scripts', 'gen-spec.mjs')], { cwd: repo });
    expect(read()).toEqual(before);
  });

  it('needs no ajv at run time and bundles on its own', async () => {
    const code = fs.readFileSync(path.join(gen, 'validators.js'), 'utf8');
    expect(code).not.toMatch(/\brequire\(|\bimport\b[^;]*from|\bimport\(/);
    const out = await esbuild.build({
      entryPoints: [path.join(gen, 'validators.js')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      write: false,
      logLevel: 'silent',
    });
    expect(out.errors).toEqual([]);
  });

  it('keeps unknown properties allowed in the schemas', () => {
    for (const f of ['config', 'state', 'features']) {
      const text = fs.readFileSync(path.join(repo, 'spec', `${f}.schema.json`), 'utf8');
      expect(text).not.toMatch(/"additionalProperties"\s*:\s*false/);
    }
  });
});

describe('firstSyntaxError', () => {
  it('agrees with JSON.parse', () => {
    const texts = [
      '{}', '[]', '""', '0', '-0.5e+3', 'true', 'null', ' {"a": [1, {"b": "\\u00e9\\n"}], "c": false} ',
      '{', '{"a"}', '{"a":}', '[1,]', '01', '"\\x"', '"\\u12g4"', 'tru', '{"a": 1} 2', '"a\nb"', '-', '1.', '1e',
    ];
    for (const t of texts) {
      let ok = true;
      try {
        JSON.parse(t);
      } catch {
        ok = false;
      }
      expect(firstSyntaxError(t) === undefined, t).toBe(ok);
    }
  });
});
