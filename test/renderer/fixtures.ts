import type { HostInfo, Settings } from '../../electron/shared/types.js';
import { settingsFixture } from '../fixtures/settings.js';

export const SETTINGS: Settings = settingsFixture();

export const HOST: HostInfo = {
  platform: 'darwin',
  arch: 'arm64',
  cpus: 8,
  memoryGiB: 16,
  maxMemoryGiB: 15,
  diskGiB: 20,
  maxDiskGiB: 2048,
  hypervisors: [
    { name: 'xhyve', available: false, reason: 'xhyve runs only on Intel Macs' },
    { name: 'vfkit', available: true, reason: null },
    { name: 'qemu', available: true, reason: null },
  ],
  autoHypervisor: 'vfkit',
  installed: true,
  home: '/Users/me/.dlite',
  logDir: '/Users/me/.dlite/log',
};
