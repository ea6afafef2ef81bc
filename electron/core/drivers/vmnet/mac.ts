import { createHash } from 'node:crypto';

/**
 * The VM's MAC, derived from its uuid so the DHCP lease (and so the IP) stays the same across
 * boots: the first six bytes of SHA-256("dlite:" + lowercase uuid), with the multicast bit
 * cleared and the locally-administered bit set (`x2:…`, never a vendor's range). Lowercase,
 * two digits per octet. Pure.
 */
export function macFromUuid(uuid: string): string {
  const digest = createHash('sha256').update(`dlite:${uuid.toLowerCase()}`).digest();
  const bytes = [...digest.subarray(0, 6)];
  bytes[0] = (bytes[0]! & 0xfc) | 0x02;
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
