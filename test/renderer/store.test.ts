import { afterEach, describe, expect, it } from 'vitest';

import { resetStore, useAppStore } from '../../renderer/src/store/app-store.js';
import { draftPatchKey } from '../../renderer/src/store/settings-slice.js';
import { MAX_LOG_LINES } from '../../renderer/src/store/ui-slice.js';
import { STOPPED_STATUS } from '../fixtures/vm-status.js';
import { SETTINGS } from './fixtures.js';

const s = () => useAppStore.getState();
afterEach(resetStore);

describe('vm slice', () => {
  it('keeps a start’s progress only while starting, and an install’s through status pushes', () => {
    s().setStatus({ ...STOPPED_STATUS, state: 'starting' });
    s().setProgress({ operation: 'start', step: 'boot', description: 'Booting the VM', current: 3, max: 7 });
    s().setStatus({ ...STOPPED_STATUS, state: 'starting' });
    expect(s().progress?.step).toBe('boot');
    s().setStatus({ ...STOPPED_STATUS, state: 'running' });
    expect(s().progress).toBeNull();
    s().setProgress({
      operation: 'install',
      step: 'disk',
      description: 'Creating the disk',
      current: 3,
      max: 4,
    });
    s().setStatus(STOPPED_STATUS);
    expect(s().progress?.operation).toBe('install');
    expect(s().statusAt).toBeGreaterThan(0);
  });

  it('starts out connecting to the service', () => {
    expect(s().service).toEqual({ phase: 'connecting', message: null });
    expect(s().status).toBeNull();
  });
});

describe('settings slice', () => {
  it('edits a draft of the saved settings and knows the patch it makes', () => {
    s().loadSettings(SETTINGS);
    expect(draftPatchKey(s())).toBe('{}');
    s().editDraft('memory', '3');
    s().editDraft('registry_mirrors', ['https://m.example']);
    expect(JSON.parse(draftPatchKey(s())!)).toEqual({ memory: 3, registry_mirrors: ['https://m.example'] });
    expect(s().saved?.memory).toBe(2);
  });

  it('after Apply, takes the saved settings as the new draft and remembers what was applied', () => {
    s().loadSettings(SETTINGS);
    const rev = s().revision;
    s().editDraft('memory', 3);
    s().setCheck(draftPatchKey(s())!, { errors: [], restartRequired: ['memory'], live: [] });
    s().setApplied({ settings: { ...SETTINGS, memory: 3 }, restartRequired: ['memory'], appliedLive: [] });
    expect(s().draft?.memory).toBe(3);
    expect(draftPatchKey(s())).toBe('{}');
    expect(s().applied).toEqual({ restartRequired: ['memory'], appliedLive: [] });
    expect(s().check).toBeNull();
    expect(s().revision).toBe(rev + 1);
  });
});

describe('ui slice', () => {
  it('keeps pushed lines of the source shown, at most MAX_LOG_LINES', () => {
    s().appendLog({ source: 'console', time: '', text: 'not shown' });
    for (let i = 0; i < MAX_LOG_LINES + 5; i += 1) {
      s().appendLog({ source: 'dlite', time: '', text: `line ${i}` });
    }
    expect(s().logLines).toHaveLength(MAX_LOG_LINES);
    expect(s().logLines.at(-1)?.text).toBe(`line ${MAX_LOG_LINES + 4}`);
    s().setLogSource('console');
    expect(s().logLines).toEqual([]);
  });
});
