import type { HostInfo, Settings } from '../../electron/shared/types.js';

export const SETTINGS: Settings = {
  schema_version: 3,
  uuid: '3f2c6f8e-1b7d-4c55-9a0e-7d1f2b3c4d5e',
  cpu_count: 2,
  memory: 2,
  hostname: 'local.docker',
  share: '/Users',
  disk_size: 20,
  hypervisor: 'auto',
  registry_mirrors: [],
  docker_args: [],
  docker_tcp: false,
  dns: [],
  auto_restart: false,
  use_docker_context: false,
  os_channel_url: 'https://github.com/dlite-app/dlite/releases/latest/download/index.json',
  os_version: 'latest',
  docker_socket_link: false,
  privileged_changes: 'ask',
  xhyve_binary: '',
  vfkit_binary: '',
  idle_stop_minutes: 10,
};

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
