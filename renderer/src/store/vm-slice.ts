import type { StateCreator } from 'zustand';

import type { ServiceStatus } from '../../../electron/shared/app-types.js';
import type { ErrorDto } from '../../../electron/shared/errors.js';
import type { HostInfo, ProgressDto, VmStatus } from '../../../electron/shared/types.js';
import type { AppState } from './app-store.js';

/** A VM action this window asked for and is waiting on. */
export type VmAction = 'start' | 'stop' | 'restart' | 'setup' | 'terminal' | 'sleep' | 'reclaim';

/** The VM as pushed by the daemon (main-owned truth: only pushes and answers write it). */
export interface VmSlice {
  status: VmStatus | null;
  /** When `status` arrived (ms since epoch), to tick the uptime. */
  statusAt: number;
  progress: ProgressDto | null;
  service: ServiceStatus;
  host: HostInfo | null;
  pending: VmAction | null;
  lastError: ErrorDto | null;
  setStatus: (status: VmStatus) => void;
  setProgress: (progress: ProgressDto | null) => void;
  setService: (service: ServiceStatus) => void;
  setHost: (host: HostInfo) => void;
  setPending: (pending: VmAction | null) => void;
  setError: (error: ErrorDto | null) => void;
}

export const VM_INITIAL = {
  status: null,
  statusAt: 0,
  progress: null,
  service: { phase: 'connecting', message: null },
  host: null,
  pending: null,
  lastError: null,
} satisfies Partial<VmSlice>;

export const createVmSlice: StateCreator<AppState, [], [], VmSlice> = (set) => ({
  ...VM_INITIAL,
  // A start's progress ends with the start; an install's with the install.
  setStatus: (status) =>
    set((s) => ({
      status,
      statusAt: Date.now(),
      progress: status.state === 'starting' || s.progress?.operation === 'install' ? s.progress : null,
    })),
  setProgress: (progress) => set({ progress }),
  setService: (service) => set({ service }),
  setHost: (host) => set({ host }),
  setPending: (pending) => set({ pending }),
  setError: (lastError) => set({ lastError }),
});
