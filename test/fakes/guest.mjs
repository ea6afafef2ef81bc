// What a booting Dlite guest does that the host can see, shared by the fake xhyve and fake vfkit:
// console milestones, a DHCP lease in bootpd's format (REFERENCE.md 1.4) after a delay, and sshd's
// banner on the leased address. Driven by FAKE_* environment variables set by the test harness.
import { appendFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';

export const env = process.env;
const num = (name, dflt) => (env[name] === undefined ? dflt : Number(env[name]));

/** The MAC without leading zeros, as bootpd writes it. */
export function bootpdMac(mac) {
  return mac
    .toLowerCase()
    .split(':')
    .map((o) => Number.parseInt(o, 16).toString(16))
    .join(':');
}

/** The `dlite.uuid` value of a kernel command line, or null. */
export function uuidFromCmdline(cmdline) {
  return /(?:^|\s)dlite\.uuid=([0-9a-f-]{36})(?:\s|$)/i.exec(cmdline)?.[1] ?? null;
}

/**
 * Boots: writes console lines with `say`, appends a lease after FAKE_LEASE_DELAY_MS (a stale block
 * for the same MAC first, when FAKE_STALE_LEASE is set), then serves an SSH banner. Resolves a
 * function that stops serving.
 */
export async function bootGuest({ say, name, mac }) {
  say('Linux version 6.1.0-fake (dlite fake guest)');
  say('dlite: booting');
  const leases = env.FAKE_LEASES;
  const ip = env.FAKE_GUEST_IP ?? '127.0.0.1';
  await new Promise((r) => setTimeout(r, num('FAKE_LEASE_DELAY_MS', 300)));
  if (leases) {
    const block = (addr, expires) =>
      `{\n\tname=${name}\n\tip_address=${addr}\n\thw_address=1,${bootpdMac(mac)}\n\tidentifier=1,${bootpdMac(mac)}\n\tlease=0x${expires.toString(16)}\n}\n`;
    const now = Math.floor(Date.now() / 1000);
    if (env.FAKE_STALE_LEASE) appendFileSync(leases, block('127.9.9.9', now - 3600));
    appendFileSync(leases, block(ip, now + 86_400));
  }
  say(`dlite: network up ${ip}`);
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    s.end('SSH-2.0-dlite-fake\r\n');
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(num('FAKE_SSH_PORT', 22), ip, resolve);
  });
  say('dlite: ssh ready');
  return () => server.close();
}

export function writeFileLine(file, line) {
  if (file) appendFileSync(file, `${line}\n`);
}

export function touch(file) {
  writeFileSync(file, '');
}
