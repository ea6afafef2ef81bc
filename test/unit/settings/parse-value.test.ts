import { describe, expect, it } from 'vitest';

import {
  SETTINGS_KEYS,
  SettingsError,
  formatSettingValue,
  parseSettingValue,
} from '../../../electron/core/settings/index.js';

function failure(fn: () => unknown): SettingsError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SettingsError);
    return e as SettingsError;
  }
  throw new Error('expected a SettingsError');
}

describe('parseSettingValue', () => {
  it.each([
    ['cpu_count', '2', 2],
    ['memory', ' 4 ', 4],
    ['disk_size', '60', 60],
    ['docker_tcp', 'true', true],
    ['docker_tcp', 'No', false],
    ['auto_restart', 'yes', true],
    ['auto_restart', '0', false],
    ['restart_to_free_memory', 'on', true],
    ['use_docker_context', '1', true],
    ['use_docker_context', 'off', false],
    ['hostname', 'dev.docker', 'dev.docker'],
    ['share', '/Volumes/My Code', '/Volumes/My Code'],
    ['hypervisor', 'qemu', 'qemu'],
    ['os_channel_url', ' http://127.0.0.1:8080/index.json ', 'http://127.0.0.1:8080/index.json'],
    ['os_version', '0.2.0', '0.2.0'],
    ['docker_socket_link', 'on', true],
    ['privileged_changes', 'never', 'never'],
    ['xhyve_binary', '/usr/local/bin/xhyve', '/usr/local/bin/xhyve'],
    ['registry_mirrors', 'https://a.example, https://b.example', ['https://a.example', 'https://b.example']],
    ['registry_mirrors', '["https://a.example"]', ['https://a.example']],
    ['registry_mirrors', '', []],
    ['dns', '1.1.1.1,8.8.8.8', ['1.1.1.1', '8.8.8.8']],
    [
      'docker_args',
      '--experimental --default-address-pool base=10.10.0.0/16,size=24',
      ['--experimental', '--default-address-pool', 'base=10.10.0.0/16,size=24'],
    ],
    [
      'docker_args',
      `--label 'team=a b' --log-opt "max-size=10m"`,
      ['--label', 'team=a b', '--log-opt', 'max-size=10m'],
    ],
    ['docker_args', '["--log-level", "debug"]', ['--log-level', 'debug']],
    ['docker_args', '', []],
  ])('%s %j → %j', (key, text, value) => {
    expect(parseSettingValue(key, text)).toEqual(value);
  });

  it('does not interpret $(…) or globs in docker_args: they stay literal for validation to refuse', () => {
    expect(parseSettingValue('docker_args', '--label $(id) *')).toEqual(['--label', '$(id)', '*']);
  });

  it.each([
    ['cpu_count', 'two', /^cpu_count: must be a whole number, got "two"$/],
    ['memory', '2.5', /^memory: must be a whole number/],
    ['docker_tcp', 'maybe', /^docker_tcp: must be true or false/],
    ['registry_mirrors', '[1, 2]', /^registry_mirrors: must be a JSON array of strings$/],
    ['dns', '[oops', /^dns: not a valid JSON array/],
    ['docker_args', '--label "open', /^docker_args: cannot split into flags: unterminated " quote$/],
  ])('%s %j is refused', (key, text, message) => {
    const e = failure(() => parseSettingValue(key, text));
    expect(e.field).toBe(key);
    expect(e.message).toMatch(message);
  });

  it('names an unknown key and lists the valid ones', () => {
    const e = failure(() => parseSettingValue('cpus', '2'));
    expect(e.code).toBe('invalid-settings');
    expect(e.message).toBe(`cpus: unknown setting (valid settings: ${SETTINGS_KEYS.join(', ')})`);
  });

  it('refuses uuid and schema_version', () => {
    expect(failure(() => parseSettingValue('uuid', 'x')).message).toMatch(/^uuid: cannot be changed/);
    expect(failure(() => parseSettingValue('schema_version', '3')).message).toMatch(
      /^schema_version: cannot be changed/,
    );
  });
});

describe('formatSettingValue', () => {
  it.each([
    ['cpu_count', 2, '2'],
    ['docker_tcp', false, 'false'],
    ['hostname', 'local.docker', 'local.docker'],
    ['uuid', '3f2c6f8e-1b7d-4c55-9a0e-7d1f2b3c4d5e', '3f2c6f8e-1b7d-4c55-9a0e-7d1f2b3c4d5e'],
    ['dns', ['1.1.1.1', '8.8.8.8'], '1.1.1.1,8.8.8.8'],
    ['registry_mirrors', [], ''],
    ['docker_args', ['--label', "it's"], `--label 'it'\\''s'`],
  ])('%s %j → %j', (key, value, text) => {
    expect(formatSettingValue(key, value)).toBe(text);
  });

  it.each([
    ['docker_args', ['--label', 'a b', '--log-opt', "x='y'"]],
    ['registry_mirrors', ['https://a.example', 'https://b.example']],
    ['memory', 7],
    ['auto_restart', true],
  ])('round-trips %s through parseSettingValue', (key, value) => {
    expect(parseSettingValue(key, formatSettingValue(key, value))).toEqual(value);
  });

  it('names an unknown key', () => {
    expect(failure(() => formatSettingValue('colour', 'x')).message).toMatch(/^colour: unknown setting/);
  });
});
