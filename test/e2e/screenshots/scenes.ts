import type { ResourceFigures } from '../../../electron/shared/types.js';
import { settingsFixture } from '../../fixtures/settings.js';
import type { Scene } from '../helpers/scripted-api.js';

const base: Scene = {
  status: {
    state: 'stopped',
    ip: null,
    hostname: 'local.docker',
    dockerEndpoint: null,
    cpus: 2,
    memoryGiB: 4,
    diskGiB: 60,
    hypervisor: 'vfkit',
    uptimeSeconds: null,
    ssh: null,
    failure: null,
    dockerTransport: null,
    engineUnresponsiveSince: null,
    problems: [],
    hostPid: 4242,
    os: { running: null, active: '0.1.0' },
    hostIntegration: { pending: null, degraded: [] },
  },
  host: {
    platform: 'darwin',
    arch: 'arm64',
    cpus: 10,
    memoryGiB: 16,
    maxMemoryGiB: 15,
    diskGiB: 60,
    maxDiskGiB: 2048,
    hypervisors: [
      { name: 'xhyve', available: false, reason: 'xhyve runs only on Intel Macs' },
      { name: 'vfkit', available: true, reason: null },
      {
        name: 'qemu',
        available: false,
        reason: 'qemu is not installed (brew install qemu, or apt install qemu-system)',
      },
    ],
    autoHypervisor: 'vfkit',
    installed: true,
    home: '/Users/me/.dlite',
    logDir: '/Users/me/.dlite/log',
  },
  settings: settingsFixture({
    memory: 4,
    disk_size: 60,
    registry_mirrors: ['https://mirror.gcr.io', 'https://registry.example.com'],
    use_docker_context: true,
  }),
  app: {
    prefs: { launchAtLogin: true, terminal: 'auto', quitAction: 'ask' },
    version: '0.1.0',
    terminals: ['auto', 'terminal', 'iterm2', 'ghostty', 'wezterm'],
    launchAtLoginSupported: true,
    cliPath: '/Applications/Dlite.app/Contents/Resources/bin/dlite',
  },
};

const GIB = 2 ** 30;
const MIB = 2 ** 20;
/** Figures as the daemon samples them: a few seconds old when the screenshot is taken. */
const figures = (over: Partial<ResourceFigures> = {}): ResourceFigures => ({
  sampledAt: new Date(Date.now() - 4_000).toISOString(),
  hypervisorCpuPercent: 2.4,
  hypervisorRssBytes: 1.3 * GIB,
  diskAllocatedBytes: 11.6 * GIB,
  diskSizeBytes: 60 * GIB,
  guestMemoryUsedBytes: 1.1 * GIB,
  guestMemoryTotalBytes: 3.8 * GIB,
  guestDiskUsedBytes: 12.2 * GIB,
  guestDiskTotalBytes: 58.8 * GIB,
  ...over,
});

const running: Scene = {
  ...base,
  status: {
    ...base.status,
    state: 'running',
    ip: '192.168.64.3',
    dockerEndpoint: 'unix:///Users/me/.dlite/run/docker.sock',
    uptimeSeconds: 3 * 3600 + 12 * 60,
    ssh: { host: '192.168.64.3', port: 22, user: 'docker', hostKeyAlias: 'dlite-3f2c6f8e' },
    resources: figures(),
  },
  reclaim: { trimmedBytes: 2.4 * GIB, allocatedBeforeBytes: 11.6 * GIB, allocatedAfterBytes: 9.8 * GIB },
};

/** The popover scenes of `npm run screenshots`. */
export const POPOVER_SCENES: Record<string, Scene> = {
  stopped: base,
  starting: {
    ...base,
    status: { ...base.status, state: 'starting' },
    progress: {
      operation: 'start',
      step: 'wait-docker',
      description: 'Waiting for Docker',
      current: 6,
      max: 7,
    },
  },
  running,
  sleeping: {
    ...base,
    status: {
      ...base.status,
      state: 'sleeping',
      hypervisor: null,
      sleep: {
        since: new Date(Date.now() - 42 * 60_000).toISOString(),
        suspended: true,
        savedStateBytes: 612 * MIB,
      },
      resources: figures({
        hypervisorCpuPercent: null,
        hypervisorRssBytes: null,
        guestMemoryUsedBytes: null,
        guestMemoryTotalBytes: null,
        guestDiskUsedBytes: null,
        guestDiskTotalBytes: null,
      }),
    },
  },
  error: {
    ...base,
    status: {
      ...base.status,
      state: 'error',
      failure: {
        step: 'boot',
        message: 'The VM process exited during boot (exit code 1)',
        lastCommand: 'vfkit --cpus 2 --memory 4096 --bootloader linux,…',
        lastConsoleLines: [
          '[    0.412311] virtio_blk virtio2: [vda] 125829120 512-byte logical blocks',
          '[    0.431008] EXT4-fs (vda): mounted filesystem with ordered data mode',
          '[    0.502114] dlite: milestone network',
          '[    1.120404] Kernel panic - not syncing: Out of memory',
        ],
      },
    },
  },
};

/** The settings window scene: the Docker Engine page is where the mirror editor lives. */
export const SETTINGS_SCENE: Scene = {
  ...running,
  problems: [
    {
      field: 'registry_mirrors',
      index: 2,
      message: 'registry_mirrors: "ftp://old-mirror" must be an http:// or https:// URL without credentials',
    },
  ],
};
