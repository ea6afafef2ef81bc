/**
 * The built renderer in headless Chromium, `window.dlite` served by a real `dlite daemon` over its
 * control socket, a real VM under QEMU and the real docker CLI: setup, start, stop, registry mirrors
 * applied live, a memory change with Apply and restart, live resource figures, a disk reclaim, Sleep
 * Now and the wake through docker.sock, and a killed hypervisor. Run it under
 * `flock /tmp/dlite-heavy.lock`: it boots the guest three times and resumes it once.
 */
import { expect, test, type Page } from '@playwright/test';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

import { busyboxRootfsTar } from '../vm/helpers/busybox-image.js';
import { pidsMatching } from '../vm/helpers/cli.js';
import { startBridge } from './helpers/bridge.js';
import { REPO, RENDERER, startDaemon } from './helpers/daemon.js';

const IMAGE = path.join(REPO, 'build/os/out/amd64');
const GIB = 2 ** 30;
const run = promisify(execFile);

test.describe.configure({ mode: 'serial' });

let tmp = '';
let home = '';
let daemon: Awaited<ReturnType<typeof startDaemon>> | undefined;
let bridge: Awaited<ReturnType<typeof startBridge>> | undefined;
let popover: Page;
let settings: Page;

/** The host docker CLI against this home's docker.sock. */
async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, {
    env: {
      ...process.env,
      DOCKER_HOST: `unix://${home}/run/docker.sock`,
      DOCKER_CONFIG: path.join(tmp, 'docker-config'),
    },
    timeout: 60_000,
  });
  return stdout.trim();
}

async function qemuPid(): Promise<number | undefined> {
  for (const pid of await pidsMatching(path.join(home, 'disk.img'))) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes('qemu-system')) return pid;
  }
  return undefined;
}

/** Records, in the page, every value the state badge and the step line take. */
async function recordBadge(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { seen: { states: string[]; steps: string[] } };
    w.seen = { states: [], steps: [] };
    const note = () => {
      const state = document.querySelector('[data-testid="vm-state"]')?.getAttribute('data-state');
      const step = document.querySelector('[data-testid="vm-step"]')?.textContent;
      if (state && w.seen.states.at(-1) !== state) w.seen.states.push(state);
      if (step && w.seen.steps.at(-1) !== step) w.seen.steps.push(step);
    };
    new MutationObserver(note).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
    });
    note();
  });
}

const seen = (page: Page) =>
  page.evaluate(() => (window as unknown as { seen: { states: string[]; steps: string[] } }).seen);

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  if (!existsSync(path.join(IMAGE, 'manifest.json'))) {
    throw new Error(`No guest OS image in ${IMAGE}: run 'npm run build:os'`);
  }
  tmp = await mkdtemp('/tmp/dl-ui-');
  home = path.join(tmp, 'h');
  await mkdir(path.join(tmp, 'docker-config'));
  // The daemon's docker context goes into this run's own docker config, not the machine's.
  daemon = await startDaemon(home, {
    ...process.env,
    DLITE_OS_IMAGE: IMAGE,
    DOCKER_CONFIG: path.join(tmp, 'docker-config'),
  });
  bridge = await startBridge(RENDERER, daemon.socket);
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  popover = await context.newPage();
  await popover.setViewportSize({ width: 360, height: 440 });
  await popover.goto(`${bridge.url}#popover`);
  settings = await context.newPage();
  await settings.setViewportSize({ width: 640, height: 480 });
});

// Keep the logs of a failing step for diagnosis (CI keeps test-results/).
// eslint-disable-next-line no-empty-pattern -- Playwright names fixtures by destructuring; this hook needs none.
test.afterEach(async ({}, info) => {
  if (info.status === info.expectedStatus || !home) return;
  const keep = path.join(REPO, 'test-results', 'app-vm');
  await mkdir(keep, { recursive: true });
  for (const f of ['console.log', 'dlite.log', 'daemon.out']) {
    await copyFile(path.join(home, 'log', f), path.join(keep, f)).catch(() => undefined);
  }
});

test.afterAll(async () => {
  test.setTimeout(120_000);
  await bridge?.close();
  await daemon?.stop();
  const pid = home ? await qemuPid() : undefined;
  if (pid !== undefined) process.kill(pid, 'SIGKILL');
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('0. with no Dlite home, Set Up runs the install steps and then offers Start', async () => {
  await expect(popover.getByTestId('vm-state')).toHaveText('Stopped');
  await popover.getByRole('button', { name: 'Set Up Dlite' }).click();
  await expect(popover.getByTestId('vm-start')).toBeVisible({ timeout: 60_000 });
  expect(existsSync(path.join(home, 'config.json'))).toBe(true);
  expect(existsSync(path.join(home, 'ssh', 'id_ed25519'))).toBe(true);
});

test('1. Start: the badge goes through starting, with the step names, to running and shows the IP', async () => {
  test.setTimeout(300_000);
  await recordBadge(popover);
  await popover.getByTestId('vm-start').click();
  await expect(popover.getByTestId('vm-state')).toHaveText('Running', { timeout: 240_000 });
  await expect(popover.getByTestId('vm-ip')).toHaveText(/^\d+\.\d+\.\d+\.\d+$/);
  await expect(popover.getByTestId('vm-endpoint')).toHaveText(`unix://${home}/run/docker.sock`);
  const { states, steps } = await seen(popover);
  expect(states).toEqual(['stopped', 'starting', 'running']);
  for (const step of ['Booting the VM…', 'Waiting for SSH…', 'Waiting for Docker…']) {
    expect(steps).toContain(step);
  }
  expect(steps.indexOf('Booting the VM…')).toBeLessThan(steps.indexOf('Waiting for Docker…'));
  expect(await docker('version', '--format', '{{.Server.Version}}')).toMatch(/^\d+\./);
});

test('2. Stop: it returns to stopped', async () => {
  test.setTimeout(120_000);
  await recordBadge(popover);
  await popover.getByTestId('vm-stop').click();
  await expect(popover.getByTestId('vm-state')).toHaveText('Stopped', { timeout: 90_000 });
  expect((await seen(popover)).states).toEqual(['running', 'stopping', 'stopped']);
  await expect.poll(qemuPid, { timeout: 10_000 }).toBeUndefined();
});

test('3. an invalid mirror: the message shows next to it and Apply is disabled', async () => {
  test.setTimeout(300_000);
  await popover.getByTestId('vm-start').click();
  await settings.goto(`${bridge!.url}#settings`);
  await settings.getByTestId('page-engine').click();
  await settings.getByTestId('mirror-new').fill('ftp://not-a-mirror.example');
  await settings.getByTestId('mirror-add').click();
  await expect(settings.getByTestId('mirror-0-error')).toHaveText(
    '"ftp://not-a-mirror.example" must be an http:// or https:// URL without credentials',
  );
  await expect(settings.getByTestId('mirror-0')).toHaveAttribute('aria-invalid', 'true');
  await expect(settings.getByTestId('apply')).toBeDisabled();
  await expect(settings.getByTestId('apply-status')).toHaveText('Fix the marked fields to apply.');
  await expect(popover.getByTestId('vm-state')).toHaveText('Running', { timeout: 240_000 });
});

test('4. a valid mirror applies live: docker info lists it, and the VM was not restarted', async () => {
  test.setTimeout(120_000);
  const pid = await qemuPid();
  expect(pid).toBeDefined();
  await recordBadge(popover);
  await settings.getByLabel('Mirror 1', { exact: true }).fill('https://mirror.e2e.example');
  await expect(settings.getByTestId('mirror-0-error')).toHaveCount(0);
  await expect(settings.getByTestId('apply-status')).toHaveText(
    'Applies live, no restart needed: Registry mirrors.',
  );
  await settings.getByTestId('apply').click();
  await expect(settings.getByTestId('apply-status')).toHaveText(
    'Applied to the running VM, no restart needed: Registry mirrors.',
    { timeout: 60_000 },
  );
  await expect(settings.getByTestId('mirrors-applied')).toBeVisible();
  expect(JSON.parse(await docker('info', '--format', '{{json .RegistryConfig.Mirrors}}'))).toEqual([
    'https://mirror.e2e.example/',
  ]);
  expect(await qemuPid()).toBe(pid);
  expect((await seen(popover)).states).toEqual(['running']);
});

test('5. a memory change needs a restart; Apply and Restart brings the VM back with it', async () => {
  test.setTimeout(420_000);
  const before = Number(await docker('info', '--format', '{{.MemTotal}}'));
  expect(before).toBeLessThanOrEqual(2 * GIB);
  await settings.getByTestId('page-resources').click();
  await settings.getByLabel('Memory', { exact: true }).fill('3');
  await expect(settings.getByTestId('setting-memory-restart')).toHaveText('restart');
  await expect(settings.getByTestId('apply-status')).toHaveText('Restart needed for Memory.');
  await recordBadge(popover);
  await settings.getByTestId('apply-restart').click();
  await expect.poll(async () => (await seen(popover)).states, { timeout: 120_000 }).toContain('starting');
  await expect(popover.getByTestId('vm-state')).toHaveText('Running', { timeout: 300_000 });
  expect((await seen(popover)).states).toEqual(['running', 'stopping', 'stopped', 'starting', 'running']);
  await expect(popover.getByTestId('vm-resources')).toContainText(/Memory (\d+(\.\d)?\/)?3 GiB/);
  const after = Number(await docker('info', '--format', '{{.MemTotal}}'));
  expect(after).toBeGreaterThan(2.5 * GIB);
  expect(after).toBeLessThanOrEqual(3 * GIB);
  // The mirror outlived the restart: it is configured, not just applied.
  expect(await docker('info', '--format', '{{json .RegistryConfig.Mirrors}}')).toContain(
    'mirror.e2e.example',
  );
});

test('5a. live figures: the popover shows what the VM uses inside and what QEMU costs, and they match /proc', async () => {
  test.setTimeout(120_000);
  await popover.bringToFront();
  const hostLine = popover.getByTestId('vm-host-usage');
  await expect(hostLine).toHaveText(/^This machine: CPU [\d.]+ % · Memory [\d.]+ GiB · Disk [\d.]+ GiB$/, {
    timeout: 60_000,
  });
  await expect(popover.getByTestId('vm-resources')).toHaveText(
    /^CPU 2 · Memory [\d.]+\/3 GiB · Disk [\d.]+\/\d+ GiB$/,
    { timeout: 60_000 },
  );
  // The memory figure is QEMU's resident memory (plus its helpers' own): compare it with /proc. A
  // sample is up to 10 s old, and a quiet VM hands memory back meanwhile: the next sample must match.
  const pid = await qemuPid();
  const matches = async () => {
    const shown = Number(/Memory ([\d.]+) GiB/.exec((await hostLine.textContent()) ?? '')?.[1]) * GIB;
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
    return shown > rss * 0.7 && shown < rss * 1.5 + 0.1 * GIB ? true : `${shown} shown, ${rss} in /proc`;
  };
  await expect.poll(matches, { timeout: 30_000, intervals: [1_000] }).toBe(true);
  // A new sample replaces the old one while the popover is open (the daemon samples every 10 s).
  const first = await hostLine.textContent();
  await expect.poll(() => hostLine.textContent(), { timeout: 60_000 }).not.toBe(first);
});

test('5b. Settings → Advanced: Reclaim Disk Space gives back what a deleted container wrote, and the idle sleep is saved', async () => {
  test.setTimeout(300_000);
  const image = await busyboxRootfsTar();
  try {
    await docker('import', image.tar, 'dlite-e2e/busybox');
  } finally {
    await image.cleanup();
  }
  await docker(
    'run',
    '--name',
    'fill',
    'dlite-e2e/busybox',
    'sh',
    '-c',
    'head -c 100000000 /dev/urandom > /fill',
  );
  await docker('rm', 'fill');
  await settings.bringToFront();
  await settings.getByTestId('page-advanced').click();
  await settings.getByTestId('reclaim-disk').click();
  const result = settings.getByTestId('reclaim-result');
  await expect(result).toHaveText(
    /^Gave [\d.]+ (MiB|GiB) back to this machine; the VM’s disk now takes [\d.]+ (MiB|GiB)\.$/,
    {
      timeout: 240_000,
    },
  );
  const [, amount, unit] = /^Gave ([\d.]+) (MiB|GiB)/.exec((await result.textContent()) ?? '') ?? [];
  expect(Number(amount) * (unit === 'GiB' ? 1024 : 1)).toBeGreaterThan(50);

  await settings.getByLabel('Sleep after').fill('30');
  await expect(settings.getByTestId('apply-status')).toHaveText(
    'Applies live, no restart needed: Sleep when idle.',
  );
  await settings.getByTestId('apply').click();
  await expect(settings.getByTestId('apply-status')).toHaveText(
    'Applied to the running VM, no restart needed: Sleep when idle.',
  );
  const saved = JSON.parse(await readFile(path.join(home, 'config.json'), 'utf8')) as {
    idle_stop_minutes: number;
  };
  expect(saved.idle_stop_minutes).toBe(30);
});

test('5c. Sleep Now: the popover shows Sleeping, and a docker ps through docker.sock wakes it to Running', async () => {
  test.setTimeout(420_000);
  await popover.bringToFront();
  await recordBadge(popover);
  await popover.getByRole('button', { name: 'More' }).click();
  await popover.getByRole('menuitem', { name: 'Sleep Now' }).click();
  await expect(popover.getByTestId('vm-state')).toHaveText('Sleeping (wakes on use)', { timeout: 240_000 });
  await expect(popover.getByTestId('sleep-panel')).toContainText(
    'The VM is saved to disk and uses no CPU or memory.',
  );
  await expect(popover.getByTestId('sleep-facts')).toHaveText(
    /^Asleep for \d+ (s|min) · saved VM [\d.]+ (MiB|GiB)$/,
  );
  await expect(popover.getByTestId('vm-wake')).toBeEnabled();
  expect(await qemuPid()).toBeUndefined();
  expect((await seen(popover)).states).toEqual(['running', 'stopping', 'sleeping']);

  await recordBadge(popover);
  // The wake: the first docker.sock client waits for the VM and gets its answer.
  expect(await docker('ps', '--format', '{{.Names}}')).toBe('');
  expect(await docker('images', '--format', '{{.Repository}}')).toContain('dlite-e2e/busybox');
  await expect(popover.getByTestId('vm-state')).toHaveText('Running', { timeout: 60_000 });
  expect((await seen(popover)).states).toEqual(['sleeping', 'starting', 'running']);
  await expect(popover.getByTestId('sleep-panel')).toHaveCount(0);
  expect(await qemuPid()).toBeDefined();
});

test('6. killing QEMU: the error panel shows what failed, the message and the console', async () => {
  test.setTimeout(120_000);
  const pid = await qemuPid();
  expect(pid).toBeDefined();
  process.kill(pid!, 'SIGKILL');
  const panel = popover.getByTestId('error-panel');
  await expect(panel).toBeVisible({ timeout: 60_000 });
  await expect(popover.getByTestId('vm-state')).toHaveText('Error');
  await expect(panel.getByTestId('error-title')).toHaveText('The VM stopped unexpectedly');
  await expect(panel.getByTestId('error-message')).toHaveText('The VM stopped unexpectedly (SIGKILL)');
  await panel.getByText(/Console output \(\d+ lines\)/).click();
  await expect(panel.getByTestId('error-console')).not.toHaveText('The guest printed nothing.');
  await popover.bringToFront();
  await panel.getByTestId('copy-diagnostics').click();
  await expect(panel.getByTestId('copy-diagnostics')).toHaveText('Copied');
  const copied = await popover.evaluate(() => navigator.clipboard.readText());
  expect(copied).toContain('Failed: The VM stopped unexpectedly (step running)');
  expect(copied).toContain('Message: The VM stopped unexpectedly (SIGKILL)');
});
