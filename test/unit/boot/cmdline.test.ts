import { describe, expect, it } from 'vitest';

import {
  buildKernelCmdline,
  decodeBase64Url,
  isValidHostname,
  parseKernelCmdline,
  type BootParams,
} from '../../../electron/core/boot/cmdline.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBx0cT9mSx8dFkR0cQb3+8bH8LUm4A1TGE0Dl0yB4QzZ dlite@host';

const base: BootParams = {
  console: 'ttyS0',
  hostname: 'local.docker',
  uuid: 'B5B7E5C6-1F2A-4C3B-9D4E-0123456789AB',
  sshPublicKey: KEY,
  time: 1_700_000_000,
  dockerTcp: false,
  share: null,
  dns: [],
};

describe('buildKernelCmdline', () => {
  it('produces the exact protocol for the minimal case', () => {
    expect(buildKernelCmdline(base)).toBe(
      [
        'console=ttyS0 quiet panic=1',
        'dlite.hostname=local.docker',
        'dlite.uuid=b5b7e5c6-1f2a-4c3b-9d4e-0123456789ab',
        'dlite.time=1700000000',
        'dlite.docker_tcp=0',
        `dlite.ssh_key=${Buffer.from(KEY).toString('base64url')}`,
      ].join(' '),
    );
  });

  it.each<[string, Partial<BootParams>, Record<string, string>]>([
    [
      '9p share with spaces and quotes',
      { share: { type: '9p', source: 'dlite-share', mountPoint: `/Users/me/My "Docs" & it's` } },
      { share_type: '9p', share_src: 'dlite-share', share_path: `/Users/me/My "Docs" & it's` },
    ],
    [
      'nfs share with commas',
      { share: { type: 'nfs', source: '192.168.64.1:/Users/zoe,x', mountPoint: '/Users/zoe/a, dir' } },
      { share_type: 'nfs', share_src: '192.168.64.1:/Users/zoe,x', share_path: '/Users/zoe/a, dir' },
    ],
    ['dns list', { dns: ['1.1.1.1', '2001:4860:4860::8888'] }, { dns: '1.1.1.1,2001:4860:4860::8888' }],
    ['docker tcp on, hvc0', { dockerTcp: true, console: 'hvc0' }, { docker_tcp: '1' }],
  ])('%s round-trips through parseKernelCmdline', (_name, patch, expected) => {
    const line = buildKernelCmdline({ ...base, ...patch });
    expect(line).not.toMatch(/["'&,]|[^\x20-\x7e]/);
    const parsed = parseKernelCmdline(line);
    expect(parsed.garbled).toEqual([]);
    expect(parsed.console).toBe(patch.console ?? 'ttyS0');
    expect(parsed.other).toEqual(['quiet', 'panic=1']);
    expect(parsed.dlite).toMatchObject({ ...expected, ssh_key: KEY, hostname: 'local.docker' });
  });

  it('never emits base64 padding', () => {
    for (const mp of ['/a', '/ab', '/abc', '/abcd']) {
      const line = buildKernelCmdline({ ...base, share: { type: '9p', source: 't', mountPoint: mp } });
      expect(line).not.toContain('=' + '=');
      expect(line.split(' ').every((t) => !t.endsWith('=') || t === 'dlite.share_src=')).toBe(true);
    }
  });

  it.each<[string, Partial<BootParams>, RegExp]>([
    ['hostname with underscore', { hostname: 'my_host' }, /hostname/],
    ['hostname with space', { hostname: 'a b' }, /hostname/],
    ['hostname label starting with hyphen', { hostname: '-a.docker' }, /hostname/],
    ['hostname label too long', { hostname: 'a'.repeat(64) }, /hostname/],
    ['empty hostname', { hostname: '' }, /hostname/],
    ['bad uuid', { uuid: 'not-a-uuid' }, /uuid/],
    ['fractional time', { time: 1.5 }, /time/],
    ['negative time', { time: -1 }, /time/],
    ['multi-line key', { sshPublicKey: `${KEY}\n${KEY}` }, /sshPublicKey/],
    ['empty key', { sshPublicKey: '  ' }, /sshPublicKey/],
    [
      'relative mount point',
      { share: { type: '9p', source: 't', mountPoint: 'Users' } },
      /share\.mountPoint/,
    ],
    ['empty share source', { share: { type: 'nfs', source: '', mountPoint: '/x' } }, /share\.source/],
    [
      'share path the guest skips (not ASCII)',
      { share: { type: '9p', source: 't', mountPoint: '/Users/zoë' } },
      /share\.mountPoint must be printable ASCII/,
    ],
    [
      'share over a system folder of the guest',
      { share: { type: '9p', source: 't', mountPoint: '/etc/x' } },
      /share\.mountPoint must not be a system folder/,
    ],
    ['share tag with a space', { share: { type: '9p', source: 'a b', mountPoint: '/x' } }, /share\.source/],
    ['overlong mount tag', { share: { type: 'virtiofs', source: 't'.repeat(37), mountPoint: '/x' } }, /36/],
    [
      'nfs source without a path',
      { share: { type: 'nfs', source: 'host', mountPoint: '/x' } },
      /host:\/path/,
    ],
    ['bad dns', { dns: ['8.8.8.8', 'dns.google'] }, /dns.*dns\.google/],
    ['bad console', { console: 'tty0' as BootParams['console'] }, /console/],
    ['overlong line', { sshPublicKey: `ssh-rsa ${'A'.repeat(800)}` }, /cmdline.*under 1024/],
  ])('rejects %s naming the parameter', (_name, patch, message) => {
    expect(() => buildKernelCmdline({ ...base, ...patch })).toThrow(message);
  });

  it('accepts a line just under the limit', () => {
    const line = buildKernelCmdline({ ...base, sshPublicKey: `ssh-rsa ${'A'.repeat(600)}` });
    expect(Buffer.byteLength(line)).toBeLessThan(1024);
  });
});

describe('parseKernelCmdline', () => {
  it('reports garbled encoded values and keeps the rest', () => {
    const parsed = parseKernelCmdline(
      'console=ttyS0 dlite.hostname=h dlite.ssh_key=ab+c dlite.share_path=A dlite.dns=MS4xLjEuMQ',
    );
    expect(parsed.garbled).toEqual(['ssh_key', 'share_path']);
    expect(parsed.dlite).toEqual({ hostname: 'h', dns: '1.1.1.1' });
  });

  it.each([
    ['', ''],
    ['aGk', 'hi'],
    ['aGk=', null],
    ['a', null],
    ['/w', null],
    ['_w', null],
  ])('decodeBase64Url(%j) = %j', (input, out) => {
    expect(decodeBase64Url(input)).toBe(out);
  });

  it('isValidHostname accepts dotted names', () => {
    expect(isValidHostname('local.docker')).toBe(true);
    expect(isValidHostname('a-1.b2')).toBe(true);
    expect(isValidHostname('a..b')).toBe(false);
  });
});
