import type { ErrorDto } from '../../../electron/shared/errors.js';
import type { ProgressDto, VmStatus } from '../../../electron/shared/types.js';

export interface VmSlice {
  status: VmStatus | null;
  progress: ProgressDto | null;
  lastError: ErrorDto | null;
  /** True while a start/stop request from this window is in flight. */
  pending: boolean;
  setStatus: (status: VmStatus) => void;
  setProgress: (progress: ProgressDto | null) => void;
  setError: (error: ErrorDto | null) => void;
  setPending: (pending: boolean) => void;
}

export const createVmSlice = (set: (partial: Partial<VmSlice>) => void): VmSlice => ({
  status: null,
  progress: null,
  lastError: null,
  pending: false,
  setStatus: (status) => set(status.state === 'starting' ? { status } : { status, progress: null }),
  setProgress: (progress) => set({ progress }),
  setError: (lastError) => set({ lastError }),
  setPending: (pending) => set({ pending }),
});
