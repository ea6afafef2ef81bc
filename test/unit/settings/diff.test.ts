import { describe, expect, it } from 'vitest';

import { classifyChanges } from '../../../electron/core/settings/index.js';
import type { SettingsKey } from '../../../electron/shared/types.js';

import { validSettings } from './fixtures.js';

const before = validSettings('/Users');

describe('classifyChanges', () => {
  it('reports nothing for equal settings, including equal lists in new arrays', () => {
    const after = { ...before, dns: [...before.dns], registry_mirrors: [...before.registry_mirrors] };
    expect(classifyChanges(before, after)).toEqual({ changed: [], restartRequired: [], live: [] });
  });

  const live: [SettingsKey, unknown][] = [
    ['registry_mirrors', ['https://m.example']],
    ['auto_restart', true],
    ['use_docker_context', true],
    ['os_channel_url', 'http://127.0.0.1:8080/index.json'],
    ['os_version', '0.2.0'],
    ['privileged_changes', 'never'],
    ['restart_to_free_memory', true],
  ];
  const restart: [SettingsKey, unknown][] = [
    ['cpu_count', 1],
    ['memory', 3],
    ['disk_size', 30],
    ['hostname', 'dev.docker'],
    ['share', '/Volumes/code'],
    ['hypervisor', 'qemu'],
    ['docker_args', ['--experimental']],
    ['docker_tcp', true],
    ['dns', ['1.1.1.1']],
    ['docker_socket_link', true],
    ['vfkit_binary', '/opt/vfkit'],
  ];

  it.each(live)('%s applies live', (key, value) => {
    expect(classifyChanges(before, { ...before, [key]: value })).toEqual({
      changed: [key],
      restartRequired: [],
      live: [key],
    });
  });

  it.each(restart)('%s needs a restart', (key, value) => {
    expect(classifyChanges(before, { ...before, [key]: value })).toEqual({
      changed: [key],
      restartRequired: [key],
      live: [],
    });
  });

  it('treats a reordered list as a change (dockerd tries mirrors in order)', () => {
    const a = { ...before, registry_mirrors: ['https://a.example', 'https://b.example'] };
    const b = { ...before, registry_mirrors: ['https://b.example', 'https://a.example'] };
    expect(classifyChanges(a, b).live).toEqual(['registry_mirrors']);
  });

  it('splits a mixed change and ignores uuid', () => {
    const after = { ...before, uuid: '00000000-0000-4000-8000-000000000000', memory: 4, auto_restart: true };
    expect(classifyChanges(before, after)).toEqual({
      changed: ['memory', 'auto_restart'],
      restartRequired: ['memory'],
      live: ['auto_restart'],
    });
  });
});
