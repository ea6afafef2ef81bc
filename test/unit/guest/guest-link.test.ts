import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DliteError } from '../../../electron/core/dlite-error.js';
import type { HypervisorDriver } from '../../../electron/core/drivers/driver.js';
import { freePort } from '../../../electron/core/drivers/qemu/net.js';
import { createGuestLink } from '../../../electron/core/guest/guest-link.js';
import type { Logger } from '../../../electron/core/log/logger.js';
import { type DlitePaths, resolvePaths } from '../../../electron/core/paths.js';
import { defaultSettings, hostFacts } from '../../../electron/core/settings/schema.js';
import { ensureSshKey } from '../../../electron/core/ssh/keys.js';

// Which transport serves docker.sock, without a VM: a Docker port on which no agent answers must
// fall back to the SSH forward (here failing on a closed port, with the SSH reason), and a driver
// without a port must go straight to SSH. Both transports working are shown in test/vm.
let dir: string;
let paths: DlitePaths;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-link-'));
  paths = resolvePaths({ DLITE_HOME: dir });
  await mkdir(paths.runDir, { mode: 0o700 });
  await ensureSshKey(paths);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
    onLine: () => () => undefined,
  };
}

function driver(dockerPort?: string): HypervisorDriver {
  return {
    info: {
      name: 'qemu',
      features: {
        shareType: '9p',
        networkMode: 'user',
        needsRoot: false,
        arches: ['amd64'],
        dockerPort: dockerPort ? 'virtio-serial' : 'none',
      },
    },
    ...(dockerPort ? { dockerPort: () => dockerPort } : {}),
  } as unknown as HypervisorDriver;
}

async function forward(port: string | undefined, transport?: 'ssh') {
  const logger = recorder();
  const link = createGuestLink({
    paths,
    endpoint: { host: '127.0.0.1', port: await freePort() },
    settings: defaultSettings(hostFacts()),
    driver: driver(port),
    logger,
    dockerPortHandshakeMs: 1_000,
    ...(transport ? { dockerTransport: transport } : {}),
  });
  const error = await link.forwardDocker(new AbortController().signal).catch((e: unknown) => e);
  await link.close();
  return { error, lines: logger.lines };
}

describe('createGuestLink: the docker.sock transport', () => {
  it('falls back to SSH when nobody answers on the Docker port', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(paths.dockerPortSocket, r));
    try {
      const { error, lines } = await forward(paths.dockerPortSocket);
      expect(
        lines.some((l) =>
          /^warn the VM's Docker port did not work \(.*\); forwarding docker.sock over SSH$/.test(l),
        ),
      ).toBe(true);
      expect(error).toBeInstanceOf(DliteError);
      expect((error as Error).message).toMatch(
        /^Forwarding the Docker socket over SSH failed: .*Connection refused/,
      );
    } finally {
      silent.close();
    }
  }, 60_000);

  it('uses SSH straight away without a port, or when told to', async () => {
    for (const [port, transport] of [
      [undefined, undefined],
      [paths.dockerPortSocket, 'ssh'],
    ] as const) {
      const { error, lines } = await forward(port, transport);
      expect(lines.filter((l) => l.includes('Docker port'))).toEqual([]);
      expect((error as Error).message).toMatch(/^Forwarding the Docker socket over SSH failed/);
    }
  }, 60_000);
});
