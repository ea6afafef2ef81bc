import { create } from 'zustand';

import { createVmSlice, type VmSlice } from './vm-slice.js';

export type AppState = VmSlice;

/** The one bound store; main-owned truth (VM state) arrives only through pushes. */
export const useAppStore = create<AppState>()((set) => ({
  ...createVmSlice(set),
}));
