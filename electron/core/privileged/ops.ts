import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import {
  chmod,
  chown,
  lstat,
  mkdir,
  open,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

import { renderXhyveLauncher, renderXhyveSudoers } from '../drivers/xhyve/launcher.js';
import { XHYVE_SETUP_PATHS } from '../drivers/xhyve/setup.js';
import { EXPORTS_FILE, exportConflicts, exportsBlockLines } from '../integration/exports.js';
import { dliteMarkers, HOSTS_FILE, hostsBlockLines } from '../integration/hosts.js';
import { applyManagedBlock, removeManagedBlock } from '../integration/managed-block.js';
import { check, HelperArgumentError } from './args.js';
import { editSystemFile, exists, readSystemFile, restoreSystemFile, SystemFileError } from './system-file.js';

const execFileP = promisify(execFile);

/** The link tools that ignore Docker contexts look at. */
export const DOCKER_SOCK_LINK = '/var/run/docker.sock';
/** macOS's NFS server control. */
export const NFSD = '/sbin/nfsd';
/** sudoers syntax check. */
export const VISUDO = '/usr/sbin/visudo';

/** Every operation the helper knows: a closed set. */
export const OPERATIONS = [
  'hosts-set',
  'hosts-remove',
  'exports-set',
  'exports-remove',
  'docker-sock-link',
  'docker-sock-unlink',
  'xhyve-install',
  'xhyve-uninstall',
] as const;
export type Operation = (typeof OPERATIONS)[number];

/** Where the helper works: `root` prefixes every fixed path ('/' in production). */
export interface HelperContext {
  readonly root: string;
  /** Runs a fixed system command (absolute path under `root`); rejects with its stderr on failure. */
  readonly exec: (file: string, args: readonly string[]) => Promise<string>;
}

/** A validated operation, ready to run. */
export interface Planned {
  readonly op: Operation;
  run(ctx: HelperContext): Promise<string>;
}

/** The fixed system path `p` under the helper's root. */
export function under(root: string, p: string): string {
  return path.join(root, p);
}

/** Runs a fixed command for real. */
export async function execFixed(file: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await execFileP(file, [...args], {
      timeout: 60_000,
      env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' },
    });
    return stdout;
  } catch (e) {
    const x = e as { stderr?: string; message: string };
    throw new Error(`${path.basename(file)} ${args.join(' ')}: ${(x.stderr ?? '').trim() || x.message}`);
  }
}

function arity(op: string, args: readonly string[], n: number): void {
  if (args.length !== n) {
    throw new HelperArgumentError(`${op}: takes ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`);
  }
}

async function nfsdApply(
  ctx: HelperContext,
  file: string,
  before: string,
  existed: boolean,
): Promise<string> {
  const nfsd = under(ctx.root, NFSD);
  try {
    await ctx.exec(nfsd, ['checkexports']);
  } catch (e) {
    await restoreSystemFile(file, before, existed);
    throw new SystemFileError(
      `nfsd checkexports refused the new ${EXPORTS_FILE}; it was restored: ${(e as Error).message}`,
    );
  }
  try {
    await ctx.exec(nfsd, ['update']);
  } catch {
    await ctx.exec(nfsd, ['start']);
  }
  return 'nfsd re-read the exports';
}

/** The symlink at the docker.sock path: 'absent', its target, or 'other' (a socket, a file…). */
async function linkState(file: string): Promise<'absent' | 'other' | { target: string }> {
  try {
    const st = await lstat(file);
    return st.isSymbolicLink() ? { target: await readlink(file) } : 'other';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw e;
  }
}

async function dangling(link: string): Promise<boolean> {
  try {
    await stat(link);
    return false;
  } catch {
    return true;
  }
}

/** A root-owned folder nobody else may write (the parents of what the helper installs). */
async function ensureRootDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const st = await lstat(dir);
  if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o022) !== 0) {
    throw new SystemFileError(`${dir} must be a folder owned by root that only root can write`);
  }
}

/** Writes a root-owned file with `mode` atomically (temp + rename). */
async function installRootFile(
  file: string,
  write: (tmp: string) => Promise<void>,
  mode: number,
): Promise<void> {
  const tmp = `${file}.dlite-${process.pid}`;
  await rm(tmp, { force: true });
  await write(tmp);
  await chown(tmp, 0, 0);
  await chmod(tmp, mode);
  await rename(tmp, file);
}

/**
 * Validates one operation and its arguments. Throws {@link HelperArgumentError} for anything not in
 * the closed set or not matching its argument rules; nothing runs before every operation of a
 * batch has passed this.
 */
export function planOperation(op: string, args: readonly string[]): Planned {
  switch (op) {
    case 'hosts-set': {
      arity(op, args, 3);
      const uuid = check.uuid(args[0]!);
      const lines = hostsBlockLines(check.hostname(args[1]!), check.ipv4('ip', args[2]!));
      return {
        op,
        run: async (ctx) => {
          const r = await editSystemFile(under(ctx.root, HOSTS_FILE), (t) =>
            applyManagedBlock(t, dliteMarkers(uuid), lines),
          );
          return r.changed ? `${HOSTS_FILE}: ${lines[0]}` : `${HOSTS_FILE}: already ${lines[0]}`;
        },
      };
    }
    case 'hosts-remove': {
      arity(op, args, 1);
      const uuid = check.uuid(args[0]!);
      return {
        op,
        run: async (ctx) => {
          const r = await editSystemFile(under(ctx.root, HOSTS_FILE), (t) =>
            removeManagedBlock(t, dliteMarkers(uuid)),
          );
          return `${HOSTS_FILE}: ${r.changed ? 'block removed' : 'no block'}`;
        },
      };
    }
    case 'exports-set': {
      arity(op, args, 6);
      const uuid = check.uuid(args[0]!);
      const share = check.exportPath(args[1]!);
      const subnet = { network: check.ipv4('network', args[2]!), mask: check.netmask(args[3]!) };
      const map = { uid: check.id('uid', args[4]!, 1), gid: check.id('gid', args[5]!, 0) };
      const lines = exportsBlockLines(share, subnet, map);
      return {
        op,
        run: async (ctx) => {
          const file = under(ctx.root, EXPORTS_FILE);
          const conflicts = exportConflicts(await readSystemFile(file), uuid, share);
          if (conflicts.length > 0) {
            const c = conflicts[0]!;
            throw new SystemFileError(`${EXPORTS_FILE} line ${c.line} also exports ${share}: ${c.text}`);
          }
          const existed = await exists(file);
          const r = await editSystemFile(file, (t) => applyManagedBlock(t, dliteMarkers(uuid), lines));
          if (!r.changed) return `${EXPORTS_FILE}: already exports ${share}`;
          return `${EXPORTS_FILE}: exports ${share}; ${await nfsdApply(ctx, file, r.before, existed)}`;
        },
      };
    }
    case 'exports-remove': {
      arity(op, args, 1);
      const uuid = check.uuid(args[0]!);
      return {
        op,
        run: async (ctx) => {
          const file = under(ctx.root, EXPORTS_FILE);
          const r = await editSystemFile(file, (t) => removeManagedBlock(t, dliteMarkers(uuid)));
          if (!r.changed) return `${EXPORTS_FILE}: no block`;
          return `${EXPORTS_FILE}: block removed; ${await nfsdApply(ctx, file, r.before, true)}`;
        },
      };
    }
    case 'docker-sock-link': {
      arity(op, args, 1);
      const target = check.dockerSocket(args[0]!);
      return {
        op,
        run: async (ctx) => {
          const link = under(ctx.root, DOCKER_SOCK_LINK);
          const state = await linkState(link);
          if (typeof state === 'object' && state.target === target) {
            return `${DOCKER_SOCK_LINK}: already → ${target}`;
          }
          if (state === 'other' || (typeof state === 'object' && !(await dangling(link)))) {
            const what =
              state === 'other' ? 'is a socket or file of another program' : `links to ${state.target}`;
            throw new SystemFileError(`${DOCKER_SOCK_LINK} ${what}; Dlite leaves it alone`);
          }
          await mkdir(path.dirname(link), { recursive: true, mode: 0o755 });
          const tmp = `${link}.dlite-${process.pid}`;
          await rm(tmp, { force: true });
          await symlink(target, tmp);
          await rename(tmp, link);
          return `${DOCKER_SOCK_LINK} → ${target}`;
        },
      };
    }
    case 'docker-sock-unlink': {
      arity(op, args, 1);
      const target = check.dockerSocket(args[0]!);
      return {
        op,
        run: async (ctx) => {
          const link = under(ctx.root, DOCKER_SOCK_LINK);
          const state = await linkState(link);
          if (typeof state !== 'object' || state.target !== target) {
            return `${DOCKER_SOCK_LINK}: not ours, left alone`;
          }
          await rm(link);
          return `${DOCKER_SOCK_LINK}: removed`;
        },
      };
    }
    case 'xhyve-install': {
      arity(op, args, 2);
      const source = check.absolutePath('source', args[0]!);
      const user = check.user(args[1]!);
      return {
        op,
        run: async (ctx) => {
          // One open: the checked file is the copied file. Only a binary anyone may read and run:
          // copying it to a root-owned place discloses nothing.
          const fh = await open(source, constants.O_RDONLY);
          let bytes: Buffer;
          try {
            const st = await fh.stat();
            if (!st.isFile() || (st.mode & 0o005) !== 0o005 || st.size > 64 * 1024 * 1024) {
              throw new SystemFileError(`${source} must be an executable file everyone may read`);
            }
            bytes = await fh.readFile();
          } finally {
            await fh.close();
          }
          const p = {
            binary: under(ctx.root, XHYVE_SETUP_PATHS.binary),
            launcher: under(ctx.root, XHYVE_SETUP_PATHS.launcher),
            sudoers: under(ctx.root, XHYVE_SETUP_PATHS.sudoers),
          };
          await ensureRootDir(path.dirname(p.binary));
          await ensureRootDir(path.dirname(p.sudoers));
          await installRootFile(p.binary, (tmp) => writeFile(tmp, bytes, { flag: 'wx' }), 0o755);
          await installRootFile(
            p.launcher,
            (tmp) => writeFile(tmp, renderXhyveLauncher(XHYVE_SETUP_PATHS.binary), { flag: 'wx' }),
            0o755,
          );
          await installRootFile(
            p.sudoers,
            async (tmp) => {
              await writeFile(tmp, renderXhyveSudoers(user, XHYVE_SETUP_PATHS.launcher), {
                flag: 'wx',
                mode: 0o440,
              });
              await ctx.exec(under(ctx.root, VISUDO), ['-c', '-f', tmp]).catch(async (e: Error) => {
                await rm(tmp, { force: true });
                throw new SystemFileError(`visudo refused the sudoers rule: ${e.message}`);
              });
            },
            0o440,
          );
          return `xhyve installed for ${user}: ${XHYVE_SETUP_PATHS.binary}, ${XHYVE_SETUP_PATHS.launcher}, ${XHYVE_SETUP_PATHS.sudoers}`;
        },
      };
    }
    case 'xhyve-uninstall': {
      arity(op, args, 0);
      return {
        op,
        run: async (ctx) => {
          for (const f of [XHYVE_SETUP_PATHS.sudoers, XHYVE_SETUP_PATHS.launcher, XHYVE_SETUP_PATHS.binary]) {
            await rm(under(ctx.root, f), { force: true });
          }
          return 'xhyve set-up removed';
        },
      };
    }
    default:
      throw new HelperArgumentError(
        `unknown operation ${JSON.stringify(op.slice(0, 40))} (known: ${OPERATIONS.join(', ')})`,
      );
  }
}
