import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  isPrintableAscii,
  isValidHostname,
  isValidUuid,
  shareMountProblem,
} from '../../../electron/core/boot/guest-rules.js';

// The host's rules against the guest's own shell functions, run by busybox sh (the guest's
// shell) on the same values: a value one accepts and the other skips would be saved and then
// silently ignored at boot.
const PARAMS = readFileSync(
  path.resolve(import.meta.dirname, '../../../build/os/rootfs/usr/lib/dlite/params'),
  'utf8',
);

function shellFunction(name: string): string {
  const start = PARAMS.indexOf(`${name}() {`);
  const end = PARAMS.indexOf('\n}\n', start);
  if (start < 0 || end < 0) throw new Error(`${name} not found in the guest's params script`);
  return PARAMS.slice(start, end + 3);
}

const GUEST = [
  "H='[0-9A-Fa-f]'",
  PARAMS.match(/^UUID_PATTERN=.*$/m)![0],
  shellFunction('valid_hostname'),
  shellFunction('share_path_problem'),
  'printable() { case $1 in "" | *[![:print:]]*) return 1 ;; esac; }',
].join('\n');

/** Runs one guest check per value under busybox sh; answers true when the guest accepts it. */
function guestAccepts(check: string, values: readonly string[]): boolean[] {
  const script = `${GUEST}\nfor v in "$@"; do if ${check}; then echo 1; else echo 0; fi; done`;
  const out = execFileSync('busybox', ['sh', '-c', script, 'sh', ...values], { encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .map((l) => l === '1');
}

const SHARES = [
  '/Users',
  '/Users/me/My "Docs" & it\'s',
  '/home/user',
  '/srv/data',
  '/Volumes/External Disk',
  '/',
  '/etc',
  '/etc/x',
  '/etcetera',
  '/var/lib',
  '/usr',
  '/lib64',
  '/library',
  '/boot2',
  '/home/docker',
  '/home/dockers',
  '/rwdata',
  'relative',
  '/a//b',
  '/a/./b',
  '/a/../b',
  '/a/',
  '/Users/zoë',
  '/a\nb',
  '/a\tb',
];
const HOSTNAMES = [
  'local.docker',
  'a',
  'a-b.c',
  '-a',
  'a-',
  'a..b',
  'a_b',
  'x'.repeat(63),
  'x'.repeat(64),
  '',
];
const UUIDS = [
  '5f0c3a9e-6a51-4b8e-9d2c-2b7d3e1f4a60',
  '5F0C3A9E-6A51-4B8E-9D2C-2B7D3E1F4A60',
  'nope',
  '5f0c3a9e6a514b8e9d2c2b7d3e1f4a60',
];

describe('host rules match the guest boot script', () => {
  it('share mount points: absolute, normalized, printable ASCII, not a system folder', () => {
    const printable = guestAccepts('printable "$v"', SHARES);
    const mountable = guestAccepts('[ -z "$(share_path_problem "$v")" ]', SHARES);
    const guest = SHARES.map((_, i) => printable[i]! && mountable[i]!);
    expect(SHARES.map((s) => shareMountProblem(s) === null)).toEqual(guest);
    expect(guest.filter(Boolean).length).toBeGreaterThan(4);
  });

  it('host names', () => {
    expect(HOSTNAMES.map(isValidHostname)).toEqual(guestAccepts('valid_hostname "$v"', HOSTNAMES));
  });

  it('uuids', () => {
    expect(UUIDS.map(isValidUuid)).toEqual(
      guestAccepts('case $v in $UUID_PATTERN) true ;; *) false ;; esac', UUIDS),
    );
  });

  it('printable text', () => {
    const values = ['abc', 'a b', 'é', 'a\tb', '~!@#$%^&*()'];
    expect(values.map(isPrintableAscii)).toEqual(guestAccepts('printable "$v"', values));
  });
});
