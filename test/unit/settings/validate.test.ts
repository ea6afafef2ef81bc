import { writeFile } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { validatePatch, validateSettings } from '../../../electron/core/settings/index.js';
import { HYPERVISORS, type Settings } from '../../../electron/shared/types.js';

import { context, tempDir, validSettings } from './fixtures.js';

const GIB = 2 ** 30;
let share = '';
let aFile = '';
let cleanup: () => Promise<void> = () => Promise.resolve();

beforeAll(async () => {
  const t = await tempDir('dlite-validate-');
  share = t.dir;
  cleanup = t.cleanup;
  aFile = path.join(share, 'file.txt');
  await writeFile(aFile, 'x');
});
afterAll(() => cleanup());

function errorsFor(
  field: keyof Settings,
  value: unknown,
  ctx = context(),
): { field: string; message: string }[] {
  const result = validateSettings({ ...validSettings(share), [field]: value }, ctx);
  return result.ok ? [] : result.errors;
}

type Row = [field: keyof Settings, value: unknown];

const accepted: Row[] = [
  ['uuid', '9A1C7B2E-5F0D-4C3B-8E6A-1D2F3A4B5C6D'],
  ['cpu_count', 1],
  ['cpu_count', 2],
  ['memory', 1],
  ['memory', 7],
  ['disk_size', 1],
  ['disk_size', 2048],
  ['hostname', 'local.docker'],
  ['hostname', 'LOCAL.Docker'],
  ['hostname', 'a'.repeat(63)],
  ['hostname', 'dlite'],
  ['hostname', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`],
  ['registry_mirrors', ['https://mirror.gcr.io', 'http://10.0.0.1:5000']],
  ['docker_args', ['--registry-mirror=https://m.example', '--insecure-registry', '10.0.0.1:5000']],
  ['docker_args', ['--experimental', '--log-level=debug', '--ip-masq=false', '--live-restore']],
  [
    'docker_args',
    ['--default-address-pool', 'base=10.10.0.0/16,size=24', '--dns', '1.1.1.1', '--dns', '8.8.8.8'],
  ],
  ['docker_args', ['--default-ulimit', 'nofile=1024:2048', '--features=containerd-snapshotter=true']],
  ['docker_tcp', true],
  ['auto_restart', true],
  ['use_docker_context', true],
  ['dns', ['1.1.1.1', '2606:4700:4700::1111']],
  ...HYPERVISORS.map((h): Row => ['hypervisor', h]),
];

const rejected: [field: keyof Settings, value: unknown, message: RegExp][] = [
  ['uuid', 'abc', /^uuid: must be a UUID/],
  ['cpu_count', 0, /^cpu_count: must be an integer between 1 and 2/],
  ['cpu_count', 3, /^cpu_count: must be an integer between 1 and 2/],
  ['cpu_count', 1.5, /^cpu_count: /],
  ['cpu_count', '2', /^cpu_count: /],
  ['memory', 0, /^memory: must be an integer number of GiB between 1 and 7/],
  ['memory', 8, /^memory: .* between 1 and 7/],
  ['memory', 2.5, /^memory: /],
  ['disk_size', 0, /^disk_size: must be an integer number of GiB between 1 and 2048$/],
  ['disk_size', 2049, /^disk_size: .*between 1 and 2048/],
  ['disk_size', 20.5, /^disk_size: /],
  ['hostname', 'a'.repeat(64), /^hostname: must be a host name/],
  ['hostname', '-bad.docker', /^hostname: /],
  ['hostname', 'bad-.docker', /^hostname: /],
  ['hostname', 'a..b', /^hostname: /],
  ['hostname', 'under_score', /^hostname: /],
  ['hostname', '', /^hostname: /],
  ['hostname', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`, /^hostname: /],
  ['share', 'Users', /^share: must be the absolute path of an existing directory, got "Users"$/],
  ['share', '/definitely/not/here', /^share: .*"\/definitely\/not\/here" is not one$/],
  ['hypervisor', 'virtualbox', /^hypervisor: must be one of auto, xhyve, vfkit, qemu, got "virtualbox"$/],
  ['registry_mirrors', 'https://m.example', /^registry_mirrors: must be a list of strings$/],
  ['registry_mirrors', ['ftp://m.example'], /^registry_mirrors: "ftp:\/\/m.example" must be an http/],
  ['registry_mirrors', ['https://user:pw@m.example'], /^registry_mirrors: .*without credentials/],
  ['registry_mirrors', ['https://m.example/ x'], /^registry_mirrors: .*whitespace/],
  ['registry_mirrors', ['not a url'], /^registry_mirrors: /],
  [
    'registry_mirrors',
    ['https://m.example', 'https://m.example'],
    /^registry_mirrors: "https:\/\/m.example" is listed twice$/,
  ],
  ['docker_args', ['-H', 'tcp://0.0.0.0:2375'], /^docker_args: -H is managed by Dlite and cannot be set$/],
  ['docker_args', ['--host=tcp://0.0.0.0:2375'], /^docker_args: --host is managed by Dlite/],
  ['docker_args', ['--tlsverify'], /^docker_args: --tlsverify is managed/],
  ['docker_args', ['--data-root=/tmp/x'], /^docker_args: --data-root is managed/],
  ['docker_args', ['--exec-root', '/tmp/x'], /^docker_args: --exec-root is managed/],
  ['docker_args', ['--pidfile=/tmp/x'], /^docker_args: --pidfile is managed/],
  ['docker_args', ['--config-file=/tmp/x'], /^docker_args: --config-file is managed/],
  ['docker_args', ['--userns-remap=default'], /^docker_args: --userns-remap is managed/],
  ['docker_args', ['--authorization-plugin=x'], /^docker_args: --authorization-plugin is managed/],
  [
    'docker_args',
    ['--frobnicate'],
    /^docker_args: --frobnicate is not an allowed dockerd flag \(allowed: .*--registry-mirror/,
  ],
  ['docker_args', ['--log-level'], /^docker_args: --log-level needs a value/],
  ['docker_args', ['--log-level', '--debug'], /^docker_args: --log-level needs a value/],
  ['docker_args', ['--log-level='], /^docker_args: --log-level needs a value$/],
  [
    'docker_args',
    ['--dns=1.1.1.1;reboot'],
    /^docker_args: .*must not contain whitespace, quotes or shell metacharacters$/,
  ],
  ['docker_args', ['--label=a\nb'], /^docker_args: .*shell metacharacters/],
  ['docker_args', ['--log-level', '$(id)'], /^docker_args: "\$\(id\)" must not contain/],
  ['docker_args', ['--experimental=maybe'], /^docker_args: --experimental takes no value or =true\/=false/],
  ['docker_args', ['debug'], /^docker_args: "debug" is not a flag/],
  ['docker_args', [1], /^docker_args: must be a list of strings$/],
  ['docker_tcp', 'true', /^docker_tcp: must be true or false$/],
  ['auto_restart', 1, /^auto_restart: must be true or false$/],
  ['use_docker_context', null, /^use_docker_context: /],
  ['dns', ['1.1.1'], /^dns: "1.1.1" is not an IPv4 or IPv6 address$/],
  ['dns', ['dns.google'], /^dns: /],
  ['dns', ['8.8.8.8', '8.8.8.8'], /^dns: "8.8.8.8" is listed twice$/],
  ['schema_version', 1, /^schema_version: must be 3$/],
  [
    'idle_stop_minutes',
    -1,
    /^idle_stop_minutes: must be a whole number of minutes between 0 \(never\) and 1440, got -1$/,
  ],
  [
    'idle_stop_minutes',
    2.5,
    /^idle_stop_minutes: must be a whole number of minutes between 0 \(never\) and 1440, got 2.5$/,
  ],
  ['idle_stop_minutes', '10', /^idle_stop_minutes: must be a whole number/],
];

describe('validateSettings', () => {
  it('accepts a complete valid object and returns only the known keys', () => {
    const result = validateSettings(validSettings(share), context());
    expect(result).toEqual({ ok: true, settings: validSettings(share) });
  });

  it.each(accepted)('accepts %s = %j', (field, value) => {
    expect(errorsFor(field, value)).toEqual([]);
  });

  it.each(rejected)('rejects %s = %j', (field, value, message) => {
    const errors = errorsFor(field, value);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.field).toBe(field);
    expect(errors[0]!.message).toMatch(message);
  });

  it('states the range and the host in the exact message', () => {
    expect(errorsFor('cpu_count', 3)[0]!.message).toBe(
      'cpu_count: must be an integer between 1 and 2 (this Mac has 2 cores)',
    );
    expect(errorsFor('memory', 8)[0]!.message).toBe(
      'memory: must be an integer number of GiB between 1 and 7 (this Mac has 8 GiB; 1 GiB stays with the host)',
    );
    const linux = context({ host: { platform: 'linux', homedir: '/root', cpus: 1, memoryGiB: 23.5 } });
    expect(errorsFor('cpu_count', 2, linux)[0]!.message).toBe(
      'cpu_count: must be an integer between 1 and 1 (this machine has 1 core)',
    );
  });

  it('never lets disk_size shrink below the current image', () => {
    const ctx = context({ currentDiskBytes: 24.5 * GIB });
    expect(errorsFor('disk_size', 25, ctx)).toEqual([]);
    expect(errorsFor('disk_size', 24, ctx)).toEqual([
      {
        field: 'disk_size',
        message:
          'disk_size: must be an integer number of GiB between 25 and 2048 (the disk image is already 25 GiB and cannot shrink)',
      },
    ]);
  });

  it('checks share with a directory test: a file is refused, pathExists is honoured', () => {
    expect(errorsFor('share', aFile)[0]!.field).toBe('share');
    expect(errorsFor('share', '/Users', context({ pathExists: (p) => p === '/Users' }))).toEqual([]);
  });

  it('names unknown and missing keys, one error per field in file order', () => {
    const { memory: _memory, ...rest } = validSettings(share);
    const result = validateSettings({ ...rest, cpu_count: 9, colour: 'blue' }, context());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.field)).toEqual(['cpu_count', 'memory', 'colour']);
    expect(result.errors[1]!.message).toBe('memory: is required');
    expect(result.errors[2]!.message).toMatch(
      /^colour: unknown setting \(valid settings: cpu_count, memory, hostname/,
    );
  });

  it.each([[null], [[]], ['{}'], [42]])('refuses a non-object %j', (candidate) => {
    expect(validateSettings(candidate, context())).toEqual({
      ok: false,
      errors: [{ field: 'settings', message: 'settings: must be a JSON object' }],
    });
  });
});

describe('validatePatch', () => {
  it('merges a valid patch and leaves current untouched', () => {
    const current = validSettings(share);
    const result = validatePatch(current, { memory: 4, dns: ['9.9.9.9'] }, context());
    expect(result).toEqual({ ok: true, settings: { ...current, memory: 4, dns: ['9.9.9.9'] } });
    expect(current.memory).toBe(2);
  });

  it('refuses uuid, schema_version and unknown keys, and reports value errors too', () => {
    const patch = { uuid: '3f2c6f8e-1b7d-4c55-9a0e-000000000000', schema_version: 2, nope: 1, cpu_count: 5 };
    const result = validatePatch(validSettings(share), patch, context());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.message.replace(/ \(valid settings.*/, ''))).toEqual([
      'uuid: cannot be changed',
      'schema_version: cannot be changed',
      'nope: unknown setting',
      'cpu_count: must be an integer between 1 and 2 (this Mac has 2 cores)',
    ]);
  });

  it('refuses a patch that is not an object', () => {
    const result = validatePatch(validSettings(share), ['memory', 4], context());
    expect(result.ok).toBe(false);
  });
});
