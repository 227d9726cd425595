/** The `tsrunc features` document, checked against spec/features.schema.json (for tests). */
import type { Features } from './generated/types.js';
import { validateFeatures } from './generated/validators.js';
import { check } from './validate.js';

export type { Features };

/** Check a features object; throws EFEATURES naming the first field at fault. */
export function validateFeaturesJson(data: unknown, file = 'features'): Features {
  return check(validateFeatures, 'validateFeatures', data, file, 'EFEATURES', 'the features document must follow runtime-spec features.md');
}
