/**
 * The OCI state (`tsrunc state`, the stdin of hooks), checked against
 * spec/state.schema.json: for tests, and for reading a state that another process wrote.
 */
import type { State } from './generated/types.js';
import { validateState } from './generated/validators.js';
import { check, parseJsonText } from './validate.js';

export type { State };

const CODE = 'ESTATE';
const HINT = 'the state must follow runtime-spec runtime.md ("State")';

/** Check a parsed state object; `file` names it in error messages. */
export function validateStateJson(data: unknown, file = 'state'): State {
  return check(validateState, 'validateState', data, file, CODE, HINT);
}

/** Parse and check the JSON text of a state. */
export function parseState(text: string, file = 'state'): State {
  return validateStateJson(parseJsonText(text, file, CODE), file);
}
