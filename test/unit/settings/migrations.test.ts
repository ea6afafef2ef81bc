import { describe, expect, it } from 'vitest';

import {
  CURRENT_SCHEMA_VERSION,
  DEFAULT_OS_CHANNEL_URL,
  MIGRATIONS,
  MigrationError,
  migrate,
  validateSettings,
} from '../../../electron/core/settings/index.js';

import { ORIGINAL_FILE, context } from './fixtures.js';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

const original = (): Record<string, unknown> => JSON.parse(ORIGINAL_FILE) as Record<string, unknown>;

describe('settings migrations', () => {
  it('has one step for every version below the current one', () => {
    for (let v = 0; v < CURRENT_SCHEMA_VERSION; v += 1) expect(MIGRATIONS[v]).toBeTypeOf('function');
    expect(MIGRATIONS[CURRENT_SCHEMA_VERSION]).toBeUndefined();
  });

  it('v0 → v1: keeps the original five keys and adds the v1 keys', () => {
    const raw = original();
    MIGRATIONS[0]!(raw);
    expect(raw).toEqual({
      ...original(),
      disk_size: 20,
      hypervisor: 'auto',
      registry_mirrors: [],
      docker_args: [],
      docker_tcp: false,
      dns: [],
      auto_restart: false,
    });
  });

  it('v0 → v1: carries dlite 2.x dns_server, extra and disk_size over and drops the rest', () => {
    const raw: Record<string, unknown> = {
      uuid: 'b7e3b2a0-6a3e-4f3e-9a55-0d1c2b3a4f5e',
      cpu_count: 2,
      disk_size: 40,
      memory: 4,
      hostname: 'dev.docker',
      dns_server: '10.0.0.53',
      extra: "--insecure-registry 10.0.0.1:5000 --label='team=a'",
      docker_version: '1.12.1',
      route: true,
    };
    MIGRATIONS[0]!(raw);
    expect(raw['dns']).toEqual(['10.0.0.53']);
    expect(raw['docker_args']).toEqual(['--insecure-registry', '10.0.0.1:5000', '--label=team=a']);
    expect(raw['disk_size']).toBe(40);
    for (const gone of ['dns_server', 'extra', 'docker_version', 'route']) {
      expect(raw).not.toHaveProperty(gone);
    }
  });

  it('v0 → v1: an empty dlite 2.x dns_server means no DNS override', () => {
    const raw: Record<string, unknown> = { ...original(), dns_server: '', extra: '' };
    MIGRATIONS[0]!(raw);
    expect(raw['dns']).toEqual([]);
    expect(raw['docker_args']).toEqual([]);
  });

  it('v1 → v2: adds use_docker_context and changes nothing else', () => {
    const v1: Record<string, unknown> = {
      ...original(),
      schema_version: 1,
      disk_size: 30,
      hypervisor: 'qemu',
      registry_mirrors: ['https://mirror.example'],
      docker_args: ['--experimental'],
      docker_tcp: true,
      dns: ['1.1.1.1'],
      auto_restart: true,
    };
    const raw = structuredClone(v1);
    MIGRATIONS[1]!(raw);
    expect(raw).toEqual({ ...v1, use_docker_context: false });
  });

  it('v2 → v3: adds the OS update, host-integration and idle keys (project channel, latest, symlink off, ask before system changes, sleep after 10 min, no restart to free memory) and changes nothing else', () => {
    const v2: Record<string, unknown> = {
      ...original(),
      schema_version: 2,
      disk_size: 30,
      hypervisor: 'qemu',
      registry_mirrors: [],
      docker_args: [],
      docker_tcp: false,
      dns: [],
      auto_restart: false,
      use_docker_context: true,
    };
    const raw = structuredClone(v2);
    MIGRATIONS[2]!(raw);
    expect(raw).toEqual({
      ...v2,
      os_channel_url: DEFAULT_OS_CHANNEL_URL,
      os_version: 'latest',
      docker_socket_link: false,
      privileged_changes: 'ask',
      xhyve_binary: '',
      vfkit_binary: '',
      idle_stop_minutes: 10,
      restart_to_free_memory: false,
    });
    const kept = {
      ...v2,
      os_channel_url: 'http://127.0.0.1:8080/index.json',
      os_version: '0.1.0',
      docker_socket_link: true,
      privileged_changes: 'never',
      xhyve_binary: '/opt/xhyve',
      vfkit_binary: '',
      idle_stop_minutes: 0,
      restart_to_free_memory: true,
    };
    const again = structuredClone(kept);
    MIGRATIONS[2]!(again);
    expect(again).toEqual(kept);
  });

  it('v0 → current end to end: a valid current file, input untouched', () => {
    const raw = original();
    const result = migrate(raw);
    expect(result.from).toBe(0);
    expect(result.to).toBe(CURRENT_SCHEMA_VERSION);
    expect(result.settings['schema_version']).toBe(CURRENT_SCHEMA_VERSION);
    expect(raw).toEqual(original());
    const share = process.cwd();
    const valid = validateSettings({ ...result.settings, share }, context());
    expect(valid).toEqual({
      ok: true,
      settings: expect.objectContaining({ uuid: raw['uuid'], cpu_count: 1 }),
      problems: [],
      unknown: {},
    });
  });

  it('a current file passes through unchanged', () => {
    const current = { ...migrate(original()).settings };
    expect(migrate(current)).toEqual({ settings: current, from: 3, to: 3 });
  });

  it('refuses a file from a newer schema', () => {
    const newer = { ...original(), schema_version: CURRENT_SCHEMA_VERSION + 1 };
    const e = thrown(() => migrate(newer));
    expect(e).toBeInstanceOf(MigrationError);
    expect((e as MigrationError).kind).toBe('newer');
    expect(e.message).toBe(
      `schema_version ${CURRENT_SCHEMA_VERSION + 1} is newer than this Dlite understands (up to ${CURRENT_SCHEMA_VERSION}); update Dlite`,
    );
  });

  it.each([['2'], [-1], [1.5], [null]])('refuses schema_version %j as malformed', (version) => {
    const e = thrown(() => migrate({ ...original(), schema_version: version }));
    expect(e).toBeInstanceOf(MigrationError);
    expect((e as MigrationError).kind).toBe('malformed');
    expect(e.message).toMatch(/^schema_version: must be an integer between 0 and 3/);
  });

  it('refuses a dlite 2.x extra it cannot split, naming the key', () => {
    expect(() => migrate({ ...original(), extra: '--label "unterminated' })).toThrow(
      /^extra: cannot be read/,
    );
  });
});
