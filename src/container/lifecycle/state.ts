/** `state` and `list`: the OCI state of one container, or of every one under --root. */
import { loadContainer } from '../state/access.js';
import type { OciState } from '../state/record.js';
import { ociState, runtimeFacts, statusOf } from '../state/status.js';
import { Store } from '../state/store.js';

export function containerState(root: string, id: string): OciState & { tsrunc?: Record<string, unknown> } {
  const { rec, status } = loadContainer(new Store(root), id);
  const facts = runtimeFacts(rec, status);
  return facts ? { ...ociState(rec, status), tsrunc: facts } : ociState(rec, status);
}

export function listContainers(root: string): OciState[] {
  const store = new Store(root);
  return store.ids().flatMap((id) => {
    const rec = store.read(id);
    return rec ? [ociState(rec, statusOf(rec, store.dir(id)))] : [];
  });
}
