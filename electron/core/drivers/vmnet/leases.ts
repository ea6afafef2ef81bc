import { readFile } from 'node:fs/promises';

/** Where macOS's bootpd records the leases of vmnet (xhyve) and Virtualization.framework NAT (vfkit). */
export const DHCPD_LEASES = '/var/db/dhcpd_leases';

/** One `{ … }` block of `/var/db/dhcpd_leases` (REFERENCE.md 1.4). */
export interface Lease {
  /** The DHCP host name the guest sent (Dlite's guest sends its uuid). */
  readonly name: string | null;
  readonly ip: string;
  /** Normalised MAC (see {@link normalizeMac}), or null when the block has none. */
  readonly mac: string | null;
  /** Expiry, Unix seconds (the file stores it as hex); 0 when missing or unreadable. */
  readonly expires: number;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * A MAC in the form bootpd writes it: lowercase, colon-separated, each octet without its leading
 * zero (`52:54:00:0a:0b:0c` → `52:54:0:a:b:c`). Null when `mac` is not six hex octets.
 */
export function normalizeMac(mac: string): string | null {
  const octets = mac.trim().toLowerCase().split(':');
  if (octets.length !== 6 || !octets.every((o) => /^[0-9a-f]{1,2}$/.test(o))) return null;
  return octets.map((o) => Number.parseInt(o, 16).toString(16)).join(':');
}

/** `hw_address=1,<mac>`: htype 1 is Ethernet; anything else is not a MAC. */
function macOf(hwAddress: string): string | null {
  const comma = hwAddress.indexOf(',');
  if (comma < 0) return normalizeMac(hwAddress);
  return hwAddress.slice(0, comma).trim() === '1' ? normalizeMac(hwAddress.slice(comma + 1)) : null;
}

/**
 * Parses the text of `/var/db/dhcpd_leases`. Pure and forgiving: blocks without a valid
 * `ip_address`, a block cut off at the end of a truncated file, and unknown keys are skipped.
 */
export function parseLeases(text: string): Lease[] {
  const leases: Lease[] = [];
  let block: Map<string, string> | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '{') {
      block = new Map();
    } else if (line === '}') {
      if (block) {
        const ip = block.get('ip_address') ?? '';
        if (IPV4.test(ip)) {
          const hex = block.get('lease') ?? '';
          const expires = /^0x[0-9a-f]+$/i.test(hex) ? Number.parseInt(hex.slice(2), 16) : 0;
          const hw = block.get('hw_address') ?? block.get('identifier');
          leases.push({
            name: block.get('name') ?? null,
            ip,
            mac: hw === undefined ? null : macOf(hw),
            expires,
          });
        }
      }
      block = null;
    } else if (block) {
      const eq = line.indexOf('=');
      if (eq > 0) block.set(line.slice(0, eq), line.slice(eq + 1));
    }
  }
  return leases;
}

/** What identifies our VM's lease: the name it sent and/or its MAC (either matching is enough). */
export interface LeaseQuery {
  readonly name?: string;
  readonly mac?: string;
}

/**
 * The newest lease (largest expiry; on a tie the later block) matching `query`: `name` compared
 * case-insensitively, `mac` after {@link normalizeMac}. Null when none matches.
 */
export function findLease(leases: readonly Lease[], query: LeaseQuery): Lease | null {
  const name = query.name?.toLowerCase();
  const mac = query.mac === undefined ? undefined : (normalizeMac(query.mac) ?? undefined);
  let best: Lease | null = null;
  for (const l of leases) {
    const hit =
      (name !== undefined && l.name?.toLowerCase() === name) || (mac !== undefined && l.mac === mac);
    if (hit && (best === null || l.expires >= best.expires)) best = l;
  }
  return best;
}

/** Reads and parses the lease file; a missing file is no lease yet ([]), other errors throw. */
export async function readLeases(file: string): Promise<Lease[]> {
  try {
    return parseLeases(await readFile(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** Human description of a query, for the timeout error ("name=<uuid> or hw_address 1,<mac>"). */
export function describeQuery(query: LeaseQuery): string {
  const parts: string[] = [];
  if (query.name !== undefined) parts.push(`name=${query.name}`);
  if (query.mac !== undefined) parts.push(`hw_address=1,${normalizeMac(query.mac) ?? query.mac}`);
  return parts.join(' or ');
}
