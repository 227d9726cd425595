/**
 * The OCI state (`tsrunc state`, the stdin of hooks), checked against
 * spec/state.schema.json: for tests, and for reading a state that another process wrote.
 */
import type { State } from './generated/types.js';
import { validateState } from './generated/validators.js';
import { readJson } from './json-text.js';
import { check } from './validate.js';

export type { State };

const CODE = 'ESTATE';
const HINT = 'the state must follow runtime-spec runtime.md ("State")';

/** Check a parsed state object; `file` names it in error messages. */
export function validateStateJson(data: unknown, file = 'state', wide?: ReadonlyMap<string, string>): State {
  return check(validateState, 'validateState', data, file, CODE, HINT, wide);
}

/** Parse and check the JSON text of a state. */
export function parseState(text: string, file = 'state'): State {
  const doc = readJson(text, file, CODE);
  return validateStateJson(doc.value, file, doc.wide);
}
