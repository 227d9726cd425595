/**
 * Turning the first error of a precompiled validator, and JSON syntax errors, into one
 * line that names the file, the field and what was expected:
 *
 *   config.json: process.user.uid: must be an integer from 0 to 4294967295 (got -1)
 *   config.json: linux.namespaces[2].type: must be one of pid, network, ... (got "foo")
 *   config.json: invalid JSON at line 3 column 5: expected double-quoted property name
 *
 * Everything here runs only once something is wrong.
 */
import { TsruncError } from '../errors.js';
import { dropNullOptionals } from './absent.js';
import { integerRanges, nullShapes, type ValidationError, type Validator } from './generated/validators.js';

export type ValidatorName = keyof typeof integerRanges;

/** Parse JSON text; on a syntax error throw `<file>: invalid JSON at line L column C: <what>`. */
export function parseJsonText(text: string, file: string, code: string): unknown {
  // A byte order mark is not JSON, but editors write one; it hides nothing.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (e) {
    const { line, column, what } = describeSyntaxError(body, e instanceof Error ? e.message : String(e));
    throw new TsruncError(
      code,
      `${file}: invalid JSON at line ${line} column ${column}: ${what}`,
      `fix the JSON syntax of ${file}`,
    );
  }
}

/** Where and what the syntax error is, from V8's message or, when it gives no position, a scan. */
export function describeSyntaxError(text: string, message: string): { line: number; column: number; what: string } {
  let what = message.replace(/\s+in JSON at position \d+.*$/s, '').replace(/\s*\(line \d+ column \d+\)\s*$/, '');
  const m = /at position (\d+)/.exec(message);
  let pos: number;
  if (m) {
    pos = Number(m[1]);
  } else {
    const found = firstSyntaxError(text);
    pos = found ?? text.length;
    const token = /^Unexpected token '(.+?)', .* is not valid JSON$/s.exec(message);
    if (token) what = `unexpected character ${JSON.stringify(token[1])}`;
  }
  if (/^Unexpected end of JSON input/.test(message)) {
    pos = text.length;
    what = text.trim() === '' ? 'the file is empty' : 'unexpected end of input';
  }
  what = what.charAt(0).toLowerCase() + what.slice(1);
  if (pos >= text.trimEnd().length && !what.startsWith('unexpected end') && what !== 'the file is empty') {
    what = `unexpected end of input: ${what}`;
  }
  const { line, column } = lineColumn(text, pos);
  return { line, column, what };
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  const end = Math.min(pos, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: end - start + 1 };
}

/** The offset of the first syntax error in a JSON text, or undefined if there is none. */
export function firstSyntaxError(s: string): number | undefined {
  let i = 0;
  class Bad {
    constructor(readonly at: number) {}
  }
  const ws = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  };
  const fail = (): never => {
    throw new Bad(i);
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (s[i] !== ch) fail();
      i++;
    }
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= s.length) fail();
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail();
      if (c === 0x5c) {
        i++;
        const e = s[i];
        if (e === 'u') {
          i++;
          for (let k = 0; k < 4; k++, i++) if (!/[0-9a-fA-F]/.test(s[i] ?? '')) fail();
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail();
      } else i++;
    }
  };
  const digits = () => {
    const from = i;
    while (i < s.length && s[i]! >= '0' && s[i]! <= '9') i++;
    if (i === from) fail();
  };
  const number = () => {
    if (s[i] === '-') i++;
    if (s[i] === '0') i++;
    else digits();
    if (s[i] === '.') {
      i++;
      digits();
    }
    if (s[i] === 'e' || s[i] === 'E') {
      i++;
      if (s[i] === '+' || s[i] === '-') i++;
      digits();
    }
  };
  const value = (depth: number): void => {
    if (depth > 512) fail();
    ws();
    const c = s[i];
    if (c === '{') {
      i++;
      ws();
      if (s[i] === '}') return void i++;
      for (;;) {
        ws();
        if (s[i] !== '"') fail();
        string();
        ws();
        if (s[i] !== ':') fail();
        i++;
        value(depth + 1);
        ws();
        if (s[i] === ',') i++;
        else if (s[i] === '}') return void i++;
        else fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (s[i] === ']') return void i++;
      for (;;) {
        value(depth + 1);
        ws();
        if (s[i] === ',') i++;
        else if (s[i] === ']') return void i++;
        else fail();
      }
    } else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number();
    else fail();
  };
  try {
    value(0);
    ws();
    if (i < s.length) fail();
    return undefined;
  } catch (e) {
    if (e instanceof Bad) return e.at;
    throw e;
  }
}

/**
 * Run a validator, after dropping the nulls that mean "absent" (absent.ts); on failure
 * throw a TsruncError naming the file, field and expectation.
 */
export function check<T>(validator: Validator<T>, name: ValidatorName, data: unknown, file: string, code: string, hint: string): T {
  dropNullOptionals(data, nullShapes[name]);
  if (validator(data)) return data;
  const err = validator.errors?.[0];
  throw new TsruncError(code, `${file}: ${err ? describeError(err, data, name) : 'is not valid'}`, hint);
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
      what = `must have at most ${p.limit} items`;
      break;
    case 'minLength':
      what = Number(p.limit) === 1 ? 'must not be empty' : `must be at least ${p.limit} characters long`;
      break;
    case 'pattern':
      what = `must match ${p.pattern} (got ${show(value)})`;
      break;
    default:
      what = `is not valid (${err.keyword} ${JSON.stringify(p)})`;
  }
  if (field === '' && err.keyword === 'type') return `must be a JSON object (got ${show(value)})`;
  return field === '' ? what : `${field}: ${what}`;
}

/** Split a JSON pointer ("/linux/namespaces/2/type") into unescaped segments. */
function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(data: unknown, segments: string[]): unknown {
  let v = data;
  for (const s of segments) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[s];
  }
  return v;
}

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
