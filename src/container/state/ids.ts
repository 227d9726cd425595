import { TsruncError } from '../../errors.js';

/** Container ids become directory names: the same rule as runc, plus a length limit. */
export function checkId(id: string): string {
  if (id === '' || id === '.' || id === '..' || id.length > 255 || !/^[\w+\-.]+$/.test(id)) {
    throw new TsruncError('EID', `invalid container id ${JSON.stringify(id.length > 60 ? id.slice(0, 60) + '…' : id)}`,
      'use 1 to 255 characters from letters, digits, "_", "+", "-" and "."; not "." or ".."');
  }
  return id;
}
