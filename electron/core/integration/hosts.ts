import { isIPv4 } from 'node:net';

import { isValidHostname, isValidUuid } from '../boot/cmdline.js';
import { linesOutside, type BlockMarkers } from './managed-block.js';

/** The system hosts file. */
export const HOSTS_FILE = '/etc/hosts';

/** `# BEGIN dlite <uuid>` … `# END dlite <uuid>`: one block per VM, so two Dlite homes never clash. */
export function dliteMarkers(uuid: string): BlockMarkers {
  if (!isValidUuid(uuid)) throw new Error(`not a uuid: ${JSON.stringify(uuid)}`);
  const id = uuid.toLowerCase();
  return { begin: `# BEGIN dlite ${id}`, end: `# END dlite ${id}` };
}

/** The block's one line: `<ip> <hostname>`. Throws for a value that is not an IPv4 / host name. */
export function hostsBlockLines(hostname: string, ip: string): string[] {
  if (!isValidHostname(hostname)) throw new Error(`not a host name: ${JSON.stringify(hostname)}`);
  if (!isIPv4(ip)) throw new Error(`not an IPv4 address: ${JSON.stringify(ip)}`);
  return [`${ip} ${hostname.toLowerCase()}`];
}

/** A line outside our block that also names the host name (it may win over ours). */
export interface HostsConflict {
  readonly line: number;
  readonly text: string;
}

/**
 * Lines outside this VM's block that map `hostname` too (another tool, another Dlite home, or the
 * original dlite's `<ip> local.docker # added by dlite`). Reported, never edited. Pure.
 */
export function hostsConflicts(text: string, uuid: string, hostname: string): HostsConflict[] {
  const name = hostname.toLowerCase();
  return linesOutside(text, dliteMarkers(uuid)).filter(({ text: l }) => {
    const fields = l.replace(/#.*/, '').trim().split(/\s+/);
    return fields.length >= 2 && fields.slice(1).some((f) => f.toLowerCase() === name);
  });
}
