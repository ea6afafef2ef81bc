import { describe, expect, it } from 'vitest';

import type { CliIo } from '../../../electron/cli/context.js';
import { createProgressView } from '../../../electron/cli/progress.js';
import { formatStatus } from '../../../electron/cli/status-text.js';
import { STOPPED_STATUS } from '../../fixtures/vm-status.js';

const STEP = { operation: 'start', step: 'boot', description: 'Booting the VM', current: 3, max: 7 } as const;

function view(io: Partial<CliIo>) {
  const lines: string[] = [];
  const raw: string[] = [];
  const full: CliIo = {
    out: () => undefined,
    err: (t) => lines.push(t),
    isTty: false,
    errIsTty: false,
    env: {},
    ...io,
  };
  const v = createProgressView(full, (t) => raw.push(t));
  v.update(STEP);
  v.done();
  return { lines, raw };
}

describe('progress', () => {
  it('draws a spinner only when stderr is a terminal', () => {
    const tty = view({ errIsTty: true });
    expect(tty.lines).toEqual([]);
    expect(tty.raw.join('')).toContain('\x1b[2K');
  });

  it('writes plain lines when stdout is a terminal but stderr is a file', () => {
    const toFile = view({ isTty: true, errIsTty: false });
    expect(toFile.lines).toEqual(['[3/7] Booting the VM']);
    expect(toFile.raw).toEqual([]);
  });

  it('honours NO_COLOR and TERM=dumb', () => {
    expect(view({ errIsTty: true, env: { NO_COLOR: '1' } }).raw).toEqual([]);
    expect(view({ errIsTty: true, env: { TERM: 'dumb' } }).lines).toEqual(['[3/7] Booting the VM']);
  });
});

describe('status text', () => {
  const ctx = (env: NodeJS.ProcessEnv, isTty: boolean) => ({
    self: 'dlite',
    io: { out: () => undefined, err: () => undefined, isTty, errIsTty: false, env },
  });

  it('colours the state on a terminal only, and never with NO_COLOR', () => {
    expect(formatStatus(STOPPED_STATUS, ctx({}, true))[0]).toBe('state:      \x1b[90mstopped\x1b[0m');
    expect(formatStatus(STOPPED_STATUS, ctx({ NO_COLOR: '1' }, true))[0]).toBe('state:      stopped');
    expect(formatStatus(STOPPED_STATUS, ctx({}, false))[0]).toBe('state:      stopped');
  });

  it('says which docker.sock transport is in use and when the engine stopped answering', () => {
    const since = new Date(Date.now() - 42_000).toISOString();
    const lines = formatStatus(
      {
        ...STOPPED_STATUS,
        state: 'running',
        ip: '127.0.0.1',
        dockerEndpoint: 'unix:///h/run/docker.sock',
        uptimeSeconds: 75,
        dockerTransport: 'ssh',
        engineUnresponsiveSince: since,
      },
      ctx({}, false),
    );
    expect(lines).toContain('docker:     unix:///h/run/docker.sock (via an SSH forward)');
    expect(lines).toContain('uptime:     1 min 15 s');
    expect(lines.find((l) => l.startsWith('engine:'))).toMatch(
      /^engine: {5}unresponsive since .* \(4[12] s\); 'dlite restart' recovers it$/,
    );
  });
});
