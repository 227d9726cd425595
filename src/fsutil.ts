/** File writes that readers never see half-done. */
import fs from 'node:fs';
import path from 'node:path';
import { TsruncError, errnoCode } from './errors.js';

/** tmp + fsync + rename (+ fsync of the directory): readers see the old or the new file. */
export function writeAtomic(file: string, data: string, mode = 0o600): void {
  const tmp = `${file}.tmp-${process.pid}`;
  let fd = -1;
  try {
    fd = fs.openSync(tmp, 'w', mode);
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = -1;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd >= 0) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw new TsruncError('ESTATE', `write ${file}: ${errnoCode(e) ?? String(e)}`, 'the previous file is unchanged; free space or fix permissions and retry');
  }
  const dfd = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dfd);
  } finally {
    fs.closeSync(dfd);
  }
}
