import { create } from 'zustand';

import { SETTINGS_INITIAL, createSettingsSlice, type SettingsSlice } from './settings-slice.js';
import { UI_INITIAL, createUiSlice, type UiSlice } from './ui-slice.js';
import { VM_INITIAL, createVmSlice, type VmSlice } from './vm-slice.js';

export type AppState = VmSlice & SettingsSlice & UiSlice;

/** The one bound store, built from slices; main-owned truth (VM state) arrives only through pushes. */
export const useAppStore = create<AppState>()((...a) => ({
  ...createVmSlice(...a),
  ...createSettingsSlice(...a),
  ...createUiSlice(...a),
}));

/** Puts every slice back to its initial data (tests, a window reloading its view). */
export function resetStore(): void {
  useAppStore.setState({ ...VM_INITIAL, ...SETTINGS_INITIAL, ...UI_INITIAL });
}

/** True while the popover offers Set Up: no Dlite home yet (and the VM stopped), or a setup running. */
export function needsSetup(s: AppState): boolean {
  return (s.host !== null && !s.host.installed && s.status?.state === 'stopped') || s.pending === 'setup';
}
