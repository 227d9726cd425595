/**
 * Replacing a file atomically, never through a link: state records, pid files, samples
 * and caches are written to a temporary beside the file, then renamed over it. The
 * directory may be shared with others (a --pid-file anywhere), so the temporary is
 * created O_CREAT|O_EXCL|O_NOFOLLOW: whatever sits at its name (a symlink planted to
 * redirect the write, a file left by a crashed writer with this pid) is removed, never
 * written through, and the creation retried. rename(2) replaces a symlink at the final
 * name instead of following it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TsruncError, errnoCode } from './errors.js';

const CREATE_NEW = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/** Something keeps putting a file back at the temporary name: give up after this many removals. */
const ATTEMPTS = 3;

/** tmp + fsync + rename (+ fsync of the directory): readers see the old or the new file. */
export function writeAtomic(file: string, data: string, mode = 0o600): void {
  const tmp = `${file}.tmp-${process.pid}`;
  let fd = -1;
  let created = false;
  try {
    fd = createNew(tmp, mode);
    created = true;
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = -1;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd >= 0) fs.closeSync(fd);
    if (created) fs.rmSync(tmp, { force: true });
    if (e instanceof TsruncError) throw e;
    throw new TsruncError('ESTATE', `write ${file}: ${errnoCode(e) ?? String(e)}`, 'the previous file is unchanged; free space or fix permissions and retry');
  }
  const dfd = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dfd);
  } finally {
    fs.closeSync(dfd);
  }
}

/** A new, empty file of our own at `name`: what was there is unlinked (the link itself, not its target). */
function createNew(name: string, mode: number): number {
  for (let attempt = 1; ; attempt++) {
    try {
      return fs.openSync(name, CREATE_NEW, mode);
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw e;
      if (attempt === ATTEMPTS) {
        throw new TsruncError('ESTATE', `write ${name}: something keeps recreating the temporary file`,
          `another process writes into ${path.dirname(name)}: stop it, or use a directory only tsrunc writes`);
      }
    }
    fs.unlinkSync(name); // a directory there: EISDIR, reported as the write's error
  }
}
