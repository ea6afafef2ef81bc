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
  ['docker_args', ['--insecure-registry', '10.0.0.1:5000', '--max-concurrent-downloads=6']],
  ['docker_args', ['--experimental', '--log-level=debug', '--ip-masq=false', '--live-restore']],
  ['docker_args', ['--default-address-pool', 'base=10.10.0.0/16,size=24', '--dns-search', 'corp.example']],
  ['docker_args', ['--default-ulimit', 'nofile=1024:2048', '--features=containerd-snapshotter=true']],
  ['docker_tcp', true],
  ['auto_restart', true],
  ['restart_to_free_memory', true],
  ['use_docker_context', true],
  ['os_channel_url', 'https://releases.example.com/dlite/index.json'],
  ['os_channel_url', 'http://127.0.0.1:8080/index.json'],
  ['os_channel_url', 'http://localhost/channel/index.json'],
  ['os_channel_url', 'http://[::1]:9000/index.json'],
  ['os_version', 'latest'],
  ['os_version', '0.2.0'],
  ['os_version', '1.0.0-rc.1'],
  ['docker_socket_link', true],
  ['privileged_changes', 'never'],
  ['xhyve_binary', '/usr/local/bin/xhyve'],
  ['vfkit_binary', '/Applications/My Tools/vfkit'],
  ['dns', ['1.1.1.1', '2606:4700:4700::1111']],
  ...HYPERVISORS.map((h): Row => ['hypervisor', h]),
];

const rejected: [field: keyof Settings, value: unknown, message: RegExp][] = [
  ['uuid', 'abc', /^uuid: must be a UUID/],
  ['cpu_count', 0, /^cpu_count: must be an integer between 1 and 256$/],
  ['cpu_count', 1.5, /^cpu_count: /],
  ['cpu_count', '2', /^cpu_count: /],
  ['memory', 0, /^memory: must be an integer number of GiB between 1 and 4096$/],
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
  ['share', 'Users', /^share: must be an absolute path, got "Users"$/],
  ['share', '/etc/stuff', /^share: must not be a system folder of the VM .*, got "\/etc\/stuff"$/],
  ['share', '/a\nb', /^share: must be printable ASCII on one line/],
  ['share', '/Users/me/', /^share: must be a normalized path/],
  ['share', 42, /^share: must be the absolute path of a folder, got 42$/],
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
    /^docker_args: --frobnicate is not an allowed dockerd flag \(allowed: .*--insecure-registry/,
  ],
  [
    'docker_args',
    ['--registry-mirror=https://m.example'],
    /^docker_args: --registry-mirror cannot be given here .*; use the registry_mirrors setting instead$/,
  ],
  [
    'docker_args',
    ['--dns', '1.1.1.1'],
    /^docker_args: --dns cannot be given here .*; use the dns setting instead$/,
  ],
  ['docker_args', ['--log-level'], /^docker_args: --log-level needs a value/],
  ['docker_args', ['--log-level', '--debug'], /^docker_args: --log-level needs a value/],
  ['docker_args', ['--log-level='], /^docker_args: --log-level needs a value$/],
  [
    'docker_args',
    ['--dns-search=a;reboot'],
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
  [
    'os_channel_url',
    'http://releases.example.com/index.json',
    /^os_channel_url: must be an https:\/\/ URL \(http:\/\/ only for localhost/,
  ],
  [
    'os_channel_url',
    'https://user:pw@releases.example.com/index.json',
    /^os_channel_url: .*without credentials/,
  ],
  ['os_channel_url', 'file:///srv/index.json', /^os_channel_url: /],
  ['os_channel_url', 'not a url', /^os_channel_url: /],
  ['os_channel_url', 42, /^os_channel_url: .*got 42$/],
  ['os_version', 'v0.2.0', /^os_version: must be "latest" or a release version such as 0.2.0, got "v0.2.0"$/],
  ['os_version', '0.2', /^os_version: /],
  ['os_version', '0.2.0+build.1', /^os_version: /],
  ['os_version', '', /^os_version: /],
  ['docker_socket_link', 'yes', /^docker_socket_link: must be true or false$/],
  ['privileged_changes', 'always', /^privileged_changes: must be one of ask, never, got "always"$/],
  ['xhyve_binary', 'xhyve', /^xhyve_binary: must be '' \(look it up\) or the absolute path/],
  ['vfkit_binary', '/a\nb', /^vfkit_binary: /],
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
  ['restart_to_free_memory', 'true', /^restart_to_free_memory: must be true or false$/],
  ['restart_to_free_memory', null, /^restart_to_free_memory: must be true or false$/],
];

describe('validateSettings', () => {
  it('accepts a complete valid object and returns only the known keys', () => {
    const result = validateSettings(validSettings(share), context());
    expect(result).toEqual({ ok: true, settings: validSettings(share), problems: [], unknown: {} });
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

  it('keeps values that do not fit this machine, each reported as a problem with the range and the host', () => {
    const linux = context({
      host: { platform: 'linux', homedir: '/root', cpus: 1, memoryGiB: 23.5 },
      currentDiskBytes: 24.5 * GIB,
      availableHypervisors: new Set(['qemu']),
    });
    const result = validateSettings(
      validSettings('/definitely/not/here', { cpu_count: 3, memory: 64, disk_size: 24, hypervisor: 'xhyve' }),
      linux,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.settings).toMatchObject({ cpu_count: 3, memory: 64, disk_size: 24 });
    expect(result.problems).toEqual([
      { field: 'cpu_count', message: 'cpu_count: is 3, more than this machine has (1 core); use 1 to 1' },
      {
        field: 'memory',
        message:
          'memory: is 64 GiB, more than this machine can give (24 GiB, 1 GiB stays with the host); use 1 to 22',
      },
      {
        field: 'share',
        message: 'share: "/definitely/not/here" is not an existing folder on this machine (not mounted?)',
      },
      {
        field: 'disk_size',
        message:
          'disk_size: is 24 GiB, but the disk image is already 25 GiB and cannot shrink; use 25 or more',
      },
      {
        field: 'hypervisor',
        message: 'hypervisor: xhyve is not available on this machine (available: qemu)',
      },
    ]);
    expect(errorsFor('memory', 8)).toEqual([]);
  });

  it('checks share with a directory test: a file is a problem, pathExists is honoured', () => {
    const withFile = validateSettings(validSettings(aFile), context());
    expect(withFile.ok && withFile.problems.map((p) => p.field)).toEqual(['share']);
    const mac = validateSettings(validSettings('/Users'), context({ pathExists: (p) => p === '/Users' }));
    expect(mac.ok && mac.problems).toEqual([]);
  });

  it('keeps unknown keys apart and names missing ones, one error per field in file order', () => {
    const { memory: _memory, ...rest } = validSettings(share);
    const result = validateSettings({ ...rest, cpu_count: 0, colour: 'blue' }, context());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.field)).toEqual(['cpu_count', 'memory']);
    expect(result.errors[1]!.message).toBe('memory: is required');
    const kept = validateSettings({ ...validSettings(share), colour: 'blue' }, context());
    expect(kept.ok && kept.unknown).toEqual({ colour: 'blue' });
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
    expect(result).toEqual({
      ok: true,
      settings: { ...current, memory: 4, dns: ['9.9.9.9'] },
      problems: [],
      unknown: {},
    });
    expect(current.memory).toBe(2);
  });

  it('refuses a patched value that does not fit this machine, but keeps an unpatched one', () => {
    const current = validSettings(share, { memory: 64 });
    const refused = validatePatch(current, { cpu_count: 5 }, context());
    expect(refused.ok).toBe(false);
    const kept = validatePatch(current, { cpu_count: 1 }, context());
    expect(kept.ok && kept.settings.memory).toBe(64);
    expect(kept.ok && kept.problems.map((p) => p.field)).toEqual(['memory']);
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
      'cpu_count: is 5, more than this Mac has (2 cores); use 1 to 2',
    ]);
  });

  it('refuses a patch that is not an object', () => {
    const result = validatePatch(validSettings(share), ['memory', 4], context());
    expect(result.ok).toBe(false);
  });
});
