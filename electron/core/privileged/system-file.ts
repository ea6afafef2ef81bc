import { constants } from 'node:fs';
import { chmod, chown, lstat, mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A system file the helper will not edit (not a regular file, or changed under it). */
export class SystemFileError extends Error {
  override readonly name = 'SystemFileError';
}

/** Where the helper keeps the previous content of a file it changed. */
export function backupPath(file: string): string {
  return `${file}.dlite-backup`;
}

interface Meta {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** The file's text and metadata; null when it does not exist. Refuses anything but a regular file. */
async function readRegular(file: string): Promise<{ text: string; meta: Meta } | null> {
  let st;
  try {
    st = await lstat(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  if (!st.isFile()) {
    throw new SystemFileError(
      `${file} is not a regular file (${st.isSymbolicLink() ? 'a symlink' : 'not a file'}); Dlite leaves it alone`,
    );
  }
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return {
      text: await handle.readFile('utf8'),
      meta: { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid },
    };
  } finally {
    await handle.close();
  }
}

/** Writes `text` to a new file next to `file`, with `meta`, then renames it over `file`. */
async function replaceAtomically(file: string, text: string, meta: Meta): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.dlite-${process.pid}`);
  await rm(tmp, { force: true });
  const handle = await open(
    tmp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await chown(tmp, meta.uid, meta.gid);
    await chmod(tmp, meta.mode);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    // A bind-mounted file (containers) cannot be renamed over: write it in place (the backup exists).
    if (code !== 'EBUSY' && code !== 'EXDEV') throw e;
    await writeFile(file, text, 'utf8');
  }
}

export interface EditResult {
  readonly changed: boolean;
  /** The text before the edit ('' for a missing file). */
  readonly before: string;
}

/**
 * Edits a system file: refuses a non-regular file, computes the new text with `edit` (pure), and
 * when it differs writes `backupPath(file)` with the old bytes, then the new text atomically (temp
 * file + rename, keeping mode and owner), then reads it back. A missing file is created with
 * `createMode` (owner root). Returns whether anything changed.
 */
export async function editSystemFile(
  file: string,
  edit: (text: string) => string,
  createMode = 0o644,
): Promise<EditResult> {
  const current = await readRegular(file);
  const before = current?.text ?? '';
  const after = edit(before);
  if (after === before && current !== null) return { changed: false, before };
  const meta = current?.meta ?? { mode: createMode, uid: 0, gid: 0 };
  await mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
  if (current !== null) await replaceAtomically(backupPath(file), before, meta);
  await replaceAtomically(file, after, meta);
  const check = await readRegular(file);
  if (check?.text !== after) throw new SystemFileError(`${file} does not read back as written`);
  return { changed: true, before };
}

/** Puts back the text `before` (after a failed validation), atomically. */
export async function restoreSystemFile(file: string, before: string, existed: boolean): Promise<void> {
  if (!existed) {
    await rm(file, { force: true });
    return;
  }
  const current = await readRegular(file);
  await replaceAtomically(file, before, current?.meta ?? { mode: 0o644, uid: 0, gid: 0 });
}

/** Whether `file` exists (as anything). */
export async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}

/** Reads a regular file's text, '' when missing; refuses other kinds. */
export async function readSystemFile(file: string): Promise<string> {
  return (await readRegular(file))?.text ?? '';
}
