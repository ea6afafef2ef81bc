import { run } from '../../process/run.js';

/** The vmnet preferences (`defaults` domain path, no `.plist`), REFERENCE.md 1.4. */
export const VMNET_PREFERENCES = '/Library/Preferences/SystemConfiguration/com.apple.vmnet';

/** An IPv4 network as `/etc/exports` wants it (`-network N -mask M`). */
export interface Subnet {
  readonly network: string;
  readonly mask: string;
  /** The host's own address on it: the guests' gateway and NFS server. */
  readonly hostAddress: string;
  /** Where it came from, for messages. */
  readonly source: 'vmnet preferences' | 'default';
}

/** vmnet's usual shared-mode subnet, used when the preferences say nothing usable. */
export const DEFAULT_VMNET_SUBNET: Subnet = {
  network: '192.168.64.0',
  mask: '255.255.255.0',
  hostAddress: '192.168.64.1',
  source: 'default',
};

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function toInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function toIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** True for a contiguous IPv4 netmask that leaves room for hosts (/8 … /30). */
export function isNetmask(mask: string): boolean {
  if (!IPV4.test(mask)) return false;
  const n = toInt(mask);
  const inverted = 2 ** 32 - 1 - n;
  return (inverted & (inverted + 1)) === 0 && n >= toInt('255.0.0.0') && n <= toInt('255.255.255.252');
}

/**
 * The subnet from vmnet's `Shared_Net_Address` (the host's address on it, e.g. 192.168.64.1) and
 * `Shared_Net_Mask`; {@link DEFAULT_VMNET_SUBNET} when either is missing or malformed. Pure.
 */
export function vmnetSubnet(address: string | null, mask: string | null): Subnet {
  const a = address?.trim() ?? '';
  const m = mask?.trim() ?? '';
  if (!IPV4.test(a) || !isNetmask(m)) return DEFAULT_VMNET_SUBNET;
  const network = toIp(Number(BigInt(toInt(a)) & BigInt(toInt(m))));
  if (network === a) return DEFAULT_VMNET_SUBNET;
  return { network, mask: m, hostAddress: a, source: 'vmnet preferences' };
}

/** Reads one key of the vmnet preferences with `defaults read`; null when absent. */
export async function readVmnetPreference(key: string): Promise<string | null> {
  try {
    return (await run('defaults', ['read', VMNET_PREFERENCES, key], { timeoutMs: 5000 })).stdout.trim();
  } catch {
    return null;
  }
}

/** The vmnet subnet of this Mac (see {@link vmnetSubnet}); `read` is injectable for tests. */
export async function readVmnetSubnet(
  read: (key: string) => Promise<string | null> = readVmnetPreference,
): Promise<Subnet> {
  const [address, mask] = await Promise.all([read('Shared_Net_Address'), read('Shared_Net_Mask')]);
  return vmnetSubnet(address, mask);
}
