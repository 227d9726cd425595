/**
 * Reading JSON text that may be hostile: a depth limit checked before anything recurses,
 * the exact text of every integer a double cannot hold, and syntax errors with line and
 * column:
 *
 *   config.json: JSON nested more than 256 levels deep (at line 1 column 2601)
 *   config.json: invalid JSON at line 3 column 5: expected double-quoted property name
 */
import { TsruncError } from '../errors.js';

/**
 * The deepest nesting accepted. The runtime-spec's deepest field is 7 levels down
 * (linux.seccomp.syscalls[i].args[j].value); 256 leaves room for any extension, and
 * stays far below the ~10 000 frames where recursive steps (JSON.stringify of the state,
 * the validators) exhaust Node's stack. Go's encoding/json, which runc uses, stops at 10 000.
 */
export const MAX_JSON_DEPTH = 256;

/** A parsed document, and the literal text of each number beyond ±2^53 by JSON pointer. */
export interface JsonDocument {
  value: unknown;
  wide: Map<string, string>;
}

/** Parse JSON text: too deep or malformed throws `<file>: …` with `code`. */
export function readJson(text: string, file: string, code: string): JsonDocument {
  // A byte order mark is not JSON, but editors write one; it hides nothing.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const { tooDeepAt, wide } = plainlyShallow(body) ? { wide: new Map<string, string>() } : scan(body);
  if (tooDeepAt !== undefined) {
    const { line, column } = lineColumn(body, tooDeepAt);
    throw new TsruncError(code, `${file}: JSON nested more than ${MAX_JSON_DEPTH} levels deep (at line ${line} column ${column})`,
      `a runtime-spec document nests fewer than 10 levels; remove the deep nesting from ${file}`);
  }
  try {
    return { value: JSON.parse(body), wide };
  } catch (e) {
    const { line, column, what } = describeSyntaxError(body, e instanceof Error ? e.message : String(e));
    throw new TsruncError(code, `${file}: invalid JSON at line ${line} column ${column}: ${what}`, `fix the JSON syntax of ${file}`);
  }
}

/** The same document one level down: `{ ...around, [key]: doc }`, with its pointers moved along. */
export function nestJson(doc: JsonDocument, key: string, around: Record<string, unknown> = {}): JsonDocument {
  return { value: { ...around, [key]: doc.value }, wide: new Map([...doc.wide].map(([p, v]) => [`/${escapeSegment(key)}${p}`, v])) };
}

/** Split a JSON pointer ("/linux/namespaces/2/type") into unescaped segments. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function escapeSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Strings with their contents; an unterminated one is left, for scan() to judge. */
const STRINGS = /"[^"\\]*(?:\\[^][^"\\]*)*"/g;

/**
 * The common case, decided by native regexes (a third of scan()'s cost on a 20 KB config
 * with a seccomp profile): outside strings, no number that could exceed 2^53 (16 digits
 * or an exponent) and no nesting beyond the limit. False means "scan it", not "bad".
 */
function plainlyShallow(s: string): boolean {
  const skeleton = s.replace(STRINGS, '""');
  if (/\d{16}|\d[eE]/.test(skeleton)) return false;
  const brackets = skeleton.replace(/[^[\]{}]+/g, '');
  let depth = 0;
  for (let i = 0; i < brackets.length; i++) {
    const c = brackets.charCodeAt(i);
    depth += c === 0x5b || c === 0x7b ? 1 : -1;
    if (depth > MAX_JSON_DEPTH) return false;
  }
  return true;
}

/**
 * One pass over the text without recursion: where the nesting first exceeds the limit,
 * and the JSON pointer and literal of each number outside ±2^53. The regex jumps from
 * token to token (string contents are skipped with indexOf), so whitespace and strings
 * cost nothing here. Malformed text is scanned as far as it goes; JSON.parse reports it.
 */
function scan(s: string): { tooDeepAt?: number; wide: Map<string, string> } {
  // A key is kept as its token's offsets, decoded only for the pointer of a wide number.
  const frames: { array: boolean; keyAt: number; keyEnd: number; index: number }[] = [];
  const wide = new Map<string, string>();
  const token = /["{}[\],:]|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
  let expectKey = false;
  for (let m = token.exec(s); m !== null; m = token.exec(s)) {
    const t = m[0];
    const top = frames[frames.length - 1];
    if (t === '"') {
      const end = stringEnd(s, m.index);
      if (top && !top.array && expectKey) {
        top.keyAt = m.index;
        top.keyEnd = end;
      }
      token.lastIndex = end;
    } else if (t === '{' || t === '[') {
      frames.push({ array: t === '[', keyAt: 0, keyEnd: 0, index: 0 });
      if (frames.length > MAX_JSON_DEPTH) return { tooDeepAt: m.index, wide };
      expectKey = t === '{';
    } else if (t === '}' || t === ']') {
      frames.pop();
    } else if (t === ',') {
      if (top?.array) top.index++;
      else expectKey = true;
    } else if (t === ':') {
      expectKey = false;
    } else if ((t.length > 15 || /[eE]/.test(t)) && Math.abs(Number(t)) > Number.MAX_SAFE_INTEGER) {
      // (15 characters hold no integer beyond 2^53 without an exponent.)
      wide.set(frames.map((f) => `/${f.array ? f.index : escapeSegment(decodeKey(s.slice(f.keyAt, f.keyEnd)))}`).join(''), t);
    }
  }
  return { wide };
}

/** The offset just past the string token that starts at `start` (or the end of the text). */
function stringEnd(s: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const q = s.indexOf('"', i);
    if (q < 0) return s.length;
    let backslashes = 0;
    while (s[q - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    i = q + 1;
  }
}

function decodeKey(token: string): string {
  try {
    return String(JSON.parse(token));
  } catch {
    return token.slice(1, -1); // malformed: JSON.parse of the whole text reports it
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
    // readJson refused deeper text before this runs; the guard keeps the recursion bounded anyway.
    if (depth > MAX_JSON_DEPTH) fail();
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
