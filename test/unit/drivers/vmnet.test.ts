import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DriverError } from '../../../electron/core/drivers/driver.js';
import { waitForLease } from '../../../electron/core/drivers/vmnet/address.js';
import {
  findLease,
  normalizeMac,
  parseLeases,
  readLeases,
} from '../../../electron/core/drivers/vmnet/leases.js';
import { macFromUuid } from '../../../electron/core/drivers/vmnet/mac.js';
import {
  DEFAULT_VMNET_SUBNET,
  isNetmask,
  readVmnetSubnet,
  vmnetSubnet,
} from '../../../electron/core/drivers/vmnet/subnet.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/leases');
const UUID = '5f0c3a9e-6a51-4b8e-9d2c-2b7d3e1f4a60';
const fixture = (name: string) => readFile(path.join(FIXTURES, name), 'utf8');

describe('normalizeMac', () => {
  it.each([
    ['52:54:00:0a:0b:0c', '52:54:0:a:b:c'],
    ['52:54:0:a:b:c', '52:54:0:a:b:c'],
    ['5E:0A:BC:00:12:34', '5e:a:bc:0:12:34'],
    ['00:00:00:00:00:00', '0:0:0:0:0:0'],
  ])('%s → %s', (mac, want) => expect(normalizeMac(mac)).toBe(want));

  it.each(['', '52:54:00:0a:0b', '52:54:00:0a:0b:0c:0d', 'zz:54:00:0a:0b:0c', '520:54:00:0a:0b:0c'])(
    'rejects %j',
    (mac) => expect(normalizeMac(mac)).toBeNull(),
  );
});

describe('parseLeases and findLease (bootpd /var/db/dhcpd_leases)', () => {
  it('reads several blocks; ignores identifiers that are not Ethernet', async () => {
    const leases = parseLeases(await fixture('several.txt'));
    expect(leases.map((l) => [l.name, l.ip, l.mac])).toEqual([
      ['minikube', '192.168.64.7', '5e:a:bc:0:12:34'],
      [UUID, '192.168.64.3', '2:54:0:a:b:c'],
      [UUID, '192.168.64.9', '2:54:0:a:b:c'],
      ['other', '192.168.64.12', '66:5:4:3:2:1'],
    ]);
    expect(leases[0]!.expires).toBe(0x69a1c2f0);
  });

  it('prefers the newest of stale leases for one MAC, matched with leading zeros', async () => {
    const leases = parseLeases(await fixture('several.txt'));
    expect(findLease(leases, { mac: '02:54:00:0a:0b:0c' })?.ip).toBe('192.168.64.9');
    expect(findLease(leases, { name: UUID.toUpperCase() })?.ip).toBe('192.168.64.9');
    expect(findLease(leases, { mac: '5e:0a:bc:00:12:34' })?.name).toBe('minikube');
    expect(findLease(leases, { name: 'nobody', mac: '02:00:00:00:00:01' })).toBeNull();
    expect(findLease(leases, {})).toBeNull();
  });

  it('skips a block cut off by a truncated file, CRLF lines and invalid addresses', async () => {
    expect(parseLeases(await fixture('truncated.txt')).map((l) => l.name)).toEqual(['old']);
    const crlf = parseLeases(await fixture('crlf-and-garbage.txt'));
    expect(crlf).toEqual([{ name: 'crlf', ip: '192.168.64.20', mac: 'a:b:c:d:e:f', expires: 0x70000000 }]);
    expect(parseLeases('')).toEqual([]);
    expect(parseLeases('garbage\n}\n{\n')).toEqual([]);
  });

  it('a missing file is no lease, not an error', async () => {
    expect(await readLeases('/nonexistent/dhcpd_leases')).toEqual([]);
  });
});

describe('waitForLease', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-leases-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('polls until the lease file appears and holds a lease newer than the boot', async () => {
    const file = path.join(dir, 'appears');
    const future = (Math.floor(Date.now() / 1000) + 86_400).toString(16);
    setTimeout(() => {
      void writeFile(
        file,
        `{\n\tname=${UUID}\n\tip_address=192.168.64.5\n\thw_address=1,2:54:0:a:b:c\n\tlease=0x1\n}\n`,
      ).then(() =>
        setTimeout(
          () =>
            void writeFile(
              file,
              `{\n\tname=${UUID}\n\tip_address=192.168.64.6\n\thw_address=1,2:54:0:a:b:c\n\tlease=0x${future}\n}\n`,
            ),
          150,
        ),
      );
    }, 150);
    const lease = await waitForLease({
      leaseFile: file,
      query: { name: UUID },
      timeoutMs: 5000,
      pollMs: 50,
      signal: new AbortController().signal,
      notBefore: Math.floor(Date.now() / 1000),
    });
    expect(lease.ip).toBe('192.168.64.6');
  });

  it('times out with an error saying what was searched and where', async () => {
    const e = await waitForLease({
      leaseFile: path.join(dir, 'never'),
      query: { name: UUID, mac: '02:54:00:0a:0b:0c' },
      timeoutMs: 200,
      pollMs: 50,
      signal: new AbortController().signal,
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DriverError);
    expect((e as DriverError).code).toBe('timeout');
    expect((e as DriverError).message).toBe(
      `Failed to find the VM's IP in 0 s: no lease for name=${UUID} or hw_address=1,2:54:0:a:b:c in ${path.join(dir, 'never')} (the file does not exist)`,
    );
  });

  it('stops at once when the hypervisor is gone', async () => {
    const e = await waitForLease({
      leaseFile: path.join(dir, 'never'),
      query: { name: UUID },
      timeoutMs: 10_000,
      pollMs: 50,
      signal: new AbortController().signal,
      giveUp: () => Promise.resolve('xhyve exited'),
    }).catch((x: unknown) => x);
    expect((e as DriverError).message).toBe('xhyve exited');
  });
});

describe('macFromUuid', () => {
  it('is stable, locally administered and unicast', () => {
    const mac = macFromUuid(UUID);
    expect(mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(macFromUuid(UUID.toUpperCase())).toBe(mac);
    const first = Number.parseInt(mac.slice(0, 2), 16);
    expect(first & 0b11).toBe(0b10);
    expect(macFromUuid('00000000-0000-4000-8000-000000000000')).not.toBe(mac);
  });
});

describe('vmnet subnet', () => {
  it.each([
    ['192.168.64.1', '255.255.255.0', '192.168.64.0', '255.255.255.0', '192.168.64.1'],
    ['10.37.129.2', '255.255.0.0', '10.37.0.0', '255.255.0.0', '10.37.129.2'],
  ])('%s/%s → network %s', (address, mask, network, m, host) => {
    expect(vmnetSubnet(address, mask)).toEqual({
      network,
      mask: m,
      hostAddress: host,
      source: 'vmnet preferences',
    });
  });

  it.each([
    [null, null],
    ['192.168.64.1', null],
    ['192.168.64.1', '255.0.255.0'],
    ['192.168.64.300', '255.255.255.0'],
    ['192.168.64.0', '255.255.255.0'],
  ])('falls back to 192.168.64.0/24 for %j/%j', (a, m) => {
    expect(vmnetSubnet(a, m)).toBe(DEFAULT_VMNET_SUBNET);
  });

  it('checks masks and reads both keys through the injected reader', async () => {
    expect(isNetmask('255.255.255.0')).toBe(true);
    expect(isNetmask('255.255.255.255')).toBe(false);
    expect(isNetmask('0.0.0.0')).toBe(false);
    const keys: string[] = [];
    const subnet = await readVmnetSubnet((k) => {
      keys.push(k);
      return Promise.resolve(k === 'Shared_Net_Address' ? '192.168.105.1' : '255.255.255.0');
    });
    expect(keys.sort()).toEqual(['Shared_Net_Address', 'Shared_Net_Mask']);
    expect(subnet.network).toBe('192.168.105.0');
  });
});
