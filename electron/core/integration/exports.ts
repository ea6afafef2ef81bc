import { isIPv4 } from 'node:net';
import path from 'node:path';

import { isNetmask, type Subnet } from '../drivers/vmnet/subnet.js';
import { dliteMarkers } from './hosts.js';
import { linesOutside } from './managed-block.js';

/** The NFS exports file of macOS's nfsd. */
export const EXPORTS_FILE = '/etc/exports';

/** Who owns the files the guest writes (`-mapall`): the user running Dlite, never root. */
export interface MapAll {
  readonly uid: number;
  readonly gid: number;
}

/** True for a path exports(5) can take in double quotes: absolute, normalised, no `"` or control characters. */
export function isExportablePath(p: string): boolean {
  return (
    path.isAbsolute(p) &&
    path.normalize(p) === p &&
    ![...p].some((c) => c === '"' || c === '\\' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f) &&
    p.length <= 1024
  );
}

/**
 * The block's one line: the share, every folder under it (`-alldirs`), every access mapped to the
 * user (`-mapall=uid:gid`, so files the guest writes belong to the user, not root), for the vmnet
 * subnet only. Throws for values exports(5) cannot take.
 */
export function exportsBlockLines(
  share: string,
  subnet: Pick<Subnet, 'network' | 'mask'>,
  map: MapAll,
): string[] {
  if (!isExportablePath(share)) throw new Error(`not an exportable path: ${JSON.stringify(share)}`);
  if (!isIPv4(subnet.network) || !isNetmask(subnet.mask)) {
    throw new Error(`not a network: ${subnet.network}/${subnet.mask}`);
  }
  if (!Number.isInteger(map.uid) || map.uid < 1 || !Number.isInteger(map.gid) || map.gid < 0) {
    throw new Error(`-mapall needs a user id ≥ 1 and a group id ≥ 0, got ${map.uid}:${map.gid}`);
  }
  return [
    `"${share}" -alldirs -mapall=${map.uid}:${map.gid} -network ${subnet.network} -mask ${subnet.mask}`,
  ];
}

/** The folders an exports(5) line exports (leading paths, quoted or not), or [] for options-only text. */
export function exportedPaths(line: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:"([^"]*)"|(\S+))/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null) {
    const word = m[1] ?? m[2] ?? '';
    if (word.startsWith('-') || word.startsWith('#') || !word.startsWith('/')) break;
    out.push(word.replace(/\/+$/, '') || '/');
  }
  return out;
}

function overlaps(a: string, b: string): boolean {
  const within = (x: string, y: string) => x === y || y === '/' || x.startsWith(`${y}/`);
  return within(a, b) || within(b, a);
}

/** A line of another tool that nfsd would see as conflicting with ours. */
export interface ExportConflict {
  readonly line: number;
  readonly text: string;
}

/**
 * Export lines outside this VM's block that export `share`, a folder above it or one below it
 * (macOS nfsd refuses overlapping exports of one file system: "conflicting exports"; dlite's
 * #153/#176). Reported with their line so the user can decide; never edited. Pure; a backslash
 * continuation joins lines as exports(5) does.
 */
export function exportConflicts(text: string, uuid: string, share: string): ExportConflict[] {
  const out: ExportConflict[] = [];
  let pending: { line: number; text: string } | null = null;
  for (const { line, text: raw } of linesOutside(text, dliteMarkers(uuid))) {
    const current: { line: number; text: string } = pending
      ? { line: pending.line, text: `${pending.text} ${raw}` }
      : { line, text: raw };
    if (current.text.endsWith('\\')) {
      pending = { line: current.line, text: current.text.slice(0, -1) };
      continue;
    }
    pending = null;
    const body = current.text.trim();
    if (body === '' || body.startsWith('#')) continue;
    if (exportedPaths(body).some((p) => overlaps(p, share.replace(/\/+$/, '') || '/'))) {
      out.push({ line: current.line, text: body });
    }
  }
  return out;
}
