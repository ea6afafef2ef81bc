import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

import { XHYVE_SETUP_PATHS } from '../drivers/xhyve/setup.js';
import { EXPORTS_FILE, exportConflicts, exportsBlockLines } from '../integration/exports.js';
import { dliteMarkers, HOSTS_FILE, hostsBlockLines } from '../integration/hosts.js';
import { applyManagedBlock, removeManagedBlock } from '../integration/managed-block.js';
import { check, HelperArgumentError } from './helper-args.js';
import { DOCKER_SOCK_LINK, linkDockerSocket, unlinkDockerSocket } from './docker-link.js';
import { editSystemFile, exists, readSystemFile, restoreSystemFile, SystemFileError } from './system-file.js';
import { installXhyve } from './xhyve-install.js';

const execFileP = promisify(execFile);

export { DOCKER_SOCK_LINK } from './docker-link.js';
/** macOS's NFS server control. */
export const NFSD = '/sbin/nfsd';

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
        run: (ctx) => linkDockerSocket(under(ctx.root, DOCKER_SOCK_LINK), target),
      };
    }
    case 'docker-sock-unlink': {
      arity(op, args, 1);
      const target = check.dockerSocket(args[0]!);
      return {
        op,
        run: (ctx) => unlinkDockerSocket(under(ctx.root, DOCKER_SOCK_LINK), target),
      };
    }
    case 'xhyve-install': {
      arity(op, args, 2);
      const source = check.absolutePath('source', args[0]!);
      const user = check.user(args[1]!);
      return {
        op,
        run: (ctx) => installXhyve(ctx, source, user),
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
