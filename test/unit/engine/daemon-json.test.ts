import { describe, expect, it } from 'vitest';

import { buildDaemonJson } from '../../../electron/core/engine/daemon-json.js';

describe('buildDaemonJson', () => {
  it('keeps every key the user set and replaces only ours', () => {
    const current = {
      debug: true,
      'log-driver': 'json-file',
      'insecure-registries': ['r.local:5000'],
      'registry-mirrors': ['https://old.example.com'],
      dns: ['1.1.1.1'],
    };
    const next = buildDaemonJson(current, {
      registry_mirrors: ['https://mirror.example.com'],
      dns: ['9.9.9.9', '8.8.8.8'],
    });
    expect(next).toEqual({
      debug: true,
      'log-driver': 'json-file',
      'insecure-registries': ['r.local:5000'],
      'registry-mirrors': ['https://mirror.example.com'],
      dns: ['9.9.9.9', '8.8.8.8'],
    });
  });

  it('removes our keys when the settings are empty', () => {
    const next = buildDaemonJson(
      { debug: true, 'registry-mirrors': ['https://a'], dns: ['1.1.1.1'] },
      { registry_mirrors: [], dns: [] },
    );
    expect(next).toEqual({ debug: true });
  });

  it('starts from an empty file', () => {
    expect(buildDaemonJson({}, { registry_mirrors: ['https://m'], dns: [] })).toEqual({
      'registry-mirrors': ['https://m'],
    });
  });

  it('does not mutate its input and is idempotent', () => {
    const current = { 'registry-mirrors': ['https://a'] };
    const settings = { registry_mirrors: ['https://b'], dns: ['1.1.1.1'] };
    const once = buildDaemonJson(current, settings);
    expect(current).toEqual({ 'registry-mirrors': ['https://a'] });
    expect(buildDaemonJson(once, settings)).toEqual(once);
  });
});
