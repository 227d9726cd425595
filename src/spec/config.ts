/**
 * Reading a bundle's config.json: JSON syntax and depth, then the runtime-spec version,
 * then the precompiled schema (spec/config.schema.json). Unknown fields are kept and
 * ignored, as the runtime-spec requires; the first problem found is reported with its
 * JSON path. `exec --process` and `update --resources` documents are read the same way,
 * as the part of a config.json they are.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, TsruncError } from '../errors.js';
import type { Spec } from './generated/types.js';
import { validateConfig } from './generated/validators.js';
import { nestJson, readJson, type JsonDocument } from './json-text.js';
import { check } from './validate.js';
import { SPEC_VERSION } from './version.js';

export type { Spec };

const CODE = 'EBUNDLE_CONFIG';
const HINT = 'fix the field as the runtime-spec (config.md, config-linux.md) describes it; `tsrunc spec` writes an example config.json';

/** Parse and validate the text of a config.json; `file` names it in error messages. */
export function parseConfig(text: string, file: string): Spec {
  return checkConfig(readJson(text, file, CODE), file);
}

/**
 * Parse and validate a document that is one part of a config.json: `process` (exec
 * --process) or `linux.resources` (update --resources). Errors name the field as in
 * config.json, e.g. `<file>: process.args[1]: …`.
 */
export function parseConfigPart(text: string, file: string, part: ConfigPart): unknown {
  return checkConfigPart(readJson(text, file, CODE), file, part);
}

/** Validate a parsed part of a config.json (see parseConfigPart). */
export function checkConfigPart(doc: JsonDocument, file: string, part: ConfigPart): unknown {
  const keys = part.split('.');
  for (const key of keys.slice(1).reverse()) doc = nestJson(doc, key);
  const spec = checkConfig(nestJson(doc, keys[0]!, { ociVersion: SPEC_VERSION, root: { path: '/' } }), file);
  return keys.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], spec);
}

type ConfigPart = 'process' | 'linux.resources';

function checkConfig(doc: JsonDocument, file: string): Spec {
  const data = doc.value;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    const got = data === null ? 'null' : Array.isArray(data) ? 'an array' : JSON.stringify(data);
    throw new TsruncError(CODE, `${file}: must be a JSON object (got ${got.length > 40 ? `${got.slice(0, 37)}...` : got})`, HINT);
  }
  checkVersion((data as { ociVersion?: unknown }).ociVersion, file);
  return check(validateConfig, 'validateConfig', data, file, CODE, HINT, doc.wide);
}

/** Read, parse and validate `<bundleDir>/config.json`. */
export function loadConfig(bundleDir: string): Spec {
  const path = join(bundleDir, 'config.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    switch (errnoCode(e)) {
      case 'ENOENT':
        throw new TsruncError(
          CODE,
          `${path}: no such file or directory`,
          'give the bundle directory with --bundle (default: the current directory); `tsrunc spec` writes an example config.json',
        );
      case 'ENOTDIR':
        throw new TsruncError(CODE, `${path}: ${bundleDir} is not a directory`, 'give the bundle directory with --bundle');
      case 'EISDIR':
        throw new TsruncError(CODE, `${path}: is a directory`, 'config.json must be a file');
      case 'EACCES':
      case 'EPERM':
        throw new TsruncError(CODE, `${path}: permission denied`, 'make config.json readable by the user running tsrunc');
      default:
        throw new TsruncError(CODE, `${path}: cannot read: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return parseConfig(text, 'config.json');
}

/**
 * tsrunc runs bundles of any runtime-spec 1.x (SemVer, with optional pre-release and
 * build parts, e.g. 1.0.2-dev or 1.3.0+dev). A missing or non-string ociVersion is left
 * to the schema, which says so in its own words.
 */
function checkVersion(version: unknown, file: string): void {
  if (typeof version !== 'string') return;
  if (/^1\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(version)) return;
  const shown = JSON.stringify(version);
  const major = /^v?(\d+)(\.|$)/.exec(version)?.[1];
  if (major !== undefined && major !== '1') {
    throw new TsruncError(
      CODE,
      `${file}: ociVersion ${shown} is not supported: tsrunc runs runtime-spec 1.x`,
      `tsrunc implements runtime-spec ${SPEC_VERSION}; write the bundle for a 1.x version, e.g. "ociVersion": "${SPEC_VERSION}"`,
    );
  }
  throw new TsruncError(
    CODE,
    `${file}: ociVersion ${shown} is not a runtime-spec version: expected SemVer such as ${SPEC_VERSION}`,
    `set "ociVersion": "${SPEC_VERSION}"`,
  );
}
