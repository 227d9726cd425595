/**
 * Turning the first error of a precompiled validator into one line that names the file,
 * the field and what was expected:
 *
 *   config.json: process.user.uid: must be an integer from 0 to 4294967295 (got -1)
 *   config.json: linux.namespaces[2].type: must be one of pid, network, ... (got "foo")
 *   config.json: process.args[1]: must not contain a NUL byte
 *
 * and checking the integers JSON.parse could not read exactly against their field's range.
 */
import { TsruncError } from '../errors.js';
import { dropNullOptionals } from './absent.js';
import { NUL_FREE, integerRanges, nullShapes, type ValidationError, type Validator } from './generated/validators.js';
import { pointerSegments } from './json-text.js';

export type ValidatorName = keyof typeof integerRanges;

/**
 * Run a validator; on failure throw a TsruncError naming the file, field and expectation.
 * `wide` holds the literal text of the numbers beyond ±2^53 (readJson), checked exactly first.
 */
export function check<T>(validator: Validator<T>, name: ValidatorName, data: unknown, file: string, code: string, hint: string,
  wide: ReadonlyMap<string, string> = new Map()): T {
  dropNullOptionals(data, nullShapes[name]);
  const inexact = checkWideIntegers(name, data, wide);
  if (inexact) throw new TsruncError(code, `${file}: ${inexact}`, hint);
  if (validator(data)) return data;
  const err = validator.errors?.[0];
  throw new TsruncError(code, `${file}: ${err ? describeError(err, data, name) : 'is not valid'}`, hint);
}

/**
 * A double holds integers exactly only up to 2^53: JSON.parse reads 18446744073709551616
 * as 2^64-1 would be read, and 18446744073709551614 as something else. Each integer field
 * gets its literal checked digit by digit against the range; a value inside it that the
 * double would change is refused, except the range's own bounds (2^64-1, 2^63-1: what
 * engines write for "unlimited", read as the double just above, which means the same).
 */
function checkWideIntegers(name: ValidatorName, data: unknown, wide: ReadonlyMap<string, string>): string | undefined {
  for (const [pointer, literal] of wide) {
    const segments = pointerSegments(pointer);
    const range = integerRange(name, segments);
    // Not an integer field (unknown fields are ignored), or a duplicate key JSON.parse dropped.
    if (!range || valueAt(data, segments) !== Number(literal)) continue;
    const field = fieldName(data, segments);
    const [min, max] = range.map(BigInt) as [bigint, bigint];
    const exact = exactInteger(literal);
    if (exact === undefined || exact < min || exact > max) return `${field}: must be an integer from ${range[0]} to ${range[1]} (got ${literal})`;
    const held = BigInt(Number(literal));
    if (held !== exact && exact !== min && exact !== max) {
      return `${field}: ${literal} is not exactly representable: JSON numbers hold integers exactly up to 2^53 (9007199254740992), and this one would become ${held}`;
    }
  }
  return undefined;
}

/**
 * A validated uint64 field as the integer config.json says: its maximum, 2^64-1, reaches
 * the program as the double 2^64 (the only value above 2^53 that checkWideIntegers lets
 * through without being exact), which BigInt would carry on as 2^64 and a u64 wrap to 0.
 */
export function exactUint64(v: number): bigint {
  return v >= 2 ** 64 ? 2n ** 64n - 1n : BigInt(v);
}

/** The value of a JSON number literal as an exact integer; undefined for a fraction (or absurd exponent). */
function exactInteger(literal: string): bigint | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (!m) return undefined;
  const all = `${m[2]}${m[3] ?? ''}`;
  const digits = all.replace(/0+$/, '') || '0';
  const exponent = Number(m[4] ?? 0) - (m[3]?.length ?? 0) + (all.length - digits.length);
  if (exponent < 0 || exponent + digits.length > 400) return undefined;
  const v = BigInt(digits) * 10n ** BigInt(exponent);
  return m[1] ? -v : v;
}

/** `<field>: <what is expected> (got <value>)`, or `must be a JSON object (got null)` at the top. */
export function describeError(err: ValidationError, data: unknown, name: ValidatorName): string {
  const segments = pointerSegments(err.instancePath);
  const value = valueAt(data, segments);
  let field = fieldName(data, segments);
  let what: string;
  const p = err.params;
  switch (err.keyword) {
    case 'required': {
      const missing = String(p.missingProperty);
      field = appendField(field, missing);
      what = 'required';
      if (/\/then\/required$/.test(err.schemaPath) && (missing === 'major' || missing === 'minor')) what += ' (unless type is p)';
      break;
    }
    case 'type':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const range = integerRange(name, segments);
      if (range) what = `must be an integer from ${range[0]} to ${range[1]}`;
      else if (err.keyword === 'type') what = `must be ${typeWord(String(p.type))}`;
      else what = `must be ${p.comparison} ${p.limit}`;
      what += ` (got ${show(value)})`;
      break;
    }
    case 'enum':
      what = `must be one of ${(p.allowedValues as unknown[]).map(showAllowed).join(', ')} (got ${show(value)})`;
      break;
    case 'const':
      what = `must be ${showAllowed(p.allowedValue)} (got ${show(value)})`;
      break;
    case 'minItems':
      what = Number(p.limit) === 1 ? 'must not be empty' : `must have at least ${p.limit} items`;
      break;
    case 'maxItems':
      what = `must have at most ${p.limit} items (got ${Array.isArray(value) ? value.length : show(value)})`;
      if (LIMIT_REASONS[field]) what += `: ${LIMIT_REASONS[field]}`;
      break;
    case 'minLength':
      what = Number(p.limit) === 1 ? 'must not be empty' : `must be at least ${p.limit} characters long`;
      break;
    case 'pattern':
      if (p.pattern !== NUL_FREE) what = `must match ${p.pattern} (got ${show(value)})`;
      else if (err.propertyName === undefined) what = 'must not contain a NUL byte';
      else {
        // A map key (propertyNames): the error is on the map.
        field = appendField(field, err.propertyName);
        what = 'the key must not contain a NUL byte';
      }
      break;
    default:
      what = `is not valid (${err.keyword} ${JSON.stringify(p)})`;
  }
  if (field === '' && err.keyword === 'type') return `must be a JSON object (got ${show(value)})`;
  return field === '' ? what : `${field}: ${what}`;
}

function valueAt(data: unknown, segments: string[]): unknown {
  let v = data;
  for (const s of segments) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[s];
  }
  return v;
}

/** Why a list has its maxItems (spec/config.schema.json), by field: the limit is the kernel's. */
const LIMIT_REASONS: Record<string, string> = {
  'process.user.additionalGids': "NGROUPS_MAX, the kernel's limit on supplementary groups",
};

/** A readable path: process.user.uid, linux.namespaces[2].type, annotations["org.example"]. */
function fieldName(data: unknown, segments: string[]): string {
  let out = '';
  let v = data;
  for (const s of segments) {
    out = Array.isArray(v) ? `${out}[${s}]` : appendField(out, s);
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[s] : undefined;
  }
  return out;
}

function appendField(path: string, key: string): string {
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

/** The [min, max] of the integer field at this path, if it is one. */
function integerRange(name: ValidatorName, segments: string[]): [string, string] | undefined {
  for (const [pattern, min, max] of integerRanges[name]) {
    const parts = pattern === '' ? [] : pattern.split('/');
    if (parts.length !== segments.length) continue;
    if (parts.every((p, i) => p === '*' || p === segments[i] || (p === '[]' && /^\d+$/.test(segments[i]!)))) {
      return [min, max];
    }
  }
  return undefined;
}

function typeWord(type: string): string {
  switch (type) {
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    case 'integer':
      return 'an integer';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'a boolean (true or false)';
    case 'number':
      return 'a number';
    default:
      return type;
  }
}

/** A value as the user wrote it, shortened: -1, "foo", null, an object, an array. */
function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (v !== null && typeof v === 'object') return 'an object';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}..."` : s;
}

function showAllowed(v: unknown): string {
  return typeof v === 'string' && v !== '' ? v : JSON.stringify(v);
}
