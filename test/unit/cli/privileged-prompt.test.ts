import { describe, expect, it } from 'vitest';

import {
  answerPrivilegedRequests,
  formatPrivilegedRequest,
  parseAnswer,
  PROMPT,
} from '../../../electron/cli/privileged-prompt.js';
import type { DliteApi } from '../../../electron/shared/api.js';
import { ok } from '../../../electron/shared/errors.js';
import type { PrivilegedAnswerDto, PrivilegedRequestDto, VmStatus } from '../../../electron/shared/types.js';
import { STOPPED_STATUS } from '../../fixtures/vm-status.js';

const request: PrivilegedRequestDto = {
  id: 'q-1',
  title: 'Dlite needs an administrator password to change 2 system files',
  changes: [
    { file: '/etc/hosts', action: 'add "127.0.0.1 local.docker"', why: 'so local.docker reaches the VM' },
    {
      file: '/var/run/docker.sock',
      action: 'link to /home/me/.dlite/run/docker.sock',
      why: 'for tools that ignore Docker contexts',
    },
  ],
  ifDeclined: ['local.docker does not resolve: use 127.0.0.1 instead'],
  expiresAt: '2026-12-01T00:00:00.000Z',
};

/** A DliteApi whose state pushes the test drives; records answers. */
function fakeApi(initial: VmStatus) {
  const listeners = new Set<(s: VmStatus) => void>();
  const answers: PrivilegedAnswerDto[] = [];
  const api = {
    status: () => Promise.resolve(ok(initial)),
    onState: (l: (s: VmStatus) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    answerPrivileged: (a: PrivilegedAnswerDto) => {
      answers.push(a);
      return Promise.resolve(ok(undefined));
    },
  } as unknown as DliteApi;
  return { api, answers, push: (s: VmStatus) => listeners.forEach((l) => l(s)) };
}

const io = (lines: string[]) => ({
  out: (t: string) => lines.push(t),
  err: (t: string) => lines.push(t),
  isTty: false,
  errIsTty: false,
  env: {},
});
const withQuestion: VmStatus = {
  ...STOPPED_STATUS,
  state: 'starting',
  hostIntegration: { pending: request, degraded: [] },
};

describe('the CLI side of the one prompt', () => {
  it('explains what changes, where and why, and what does not work without it', () => {
    expect(formatPrivilegedRequest(request)).toEqual([
      'Dlite needs an administrator password to change 2 system files:',
      '  /etc/hosts: add "127.0.0.1 local.docker" (so local.docker reaches the VM)',
      '  /var/run/docker.sock: link to /home/me/.dlite/run/docker.sock (for tools that ignore Docker contexts)',
      'Without them:',
      '  - local.docker does not resolve: use 127.0.0.1 instead',
    ]);
  });

  it.each([
    ['', 'continue'],
    ['Y', 'continue'],
    ['n', 'not-now'],
    ['d', 'never'],
    ['maybe', null],
  ])('reads %j as %s', (text, answer) => expect(parseAnswer(text)).toBe(answer));

  it('asks once per question on the terminal and answers the host', async () => {
    const lines: string[] = [];
    const prompts: string[] = [];
    const f = fakeApi(STOPPED_STATUS);
    const typed = ['what?', 'n'];
    const off = answerPrivilegedRequests(f.api, io(lines), {
      readLine: (q) => {
        prompts.push(q);
        return Promise.resolve(typed.shift() ?? null);
      },
    });
    f.push(withQuestion);
    f.push(withQuestion);
    await expect.poll(() => f.answers).toEqual([{ id: 'q-1', answer: 'not-now' }]);
    expect(prompts).toEqual([PROMPT, PROMPT]);
    expect(lines[0]).toBe('Dlite needs an administrator password to change 2 system files:');
    off();
  });

  it('without a terminal: says so and goes on without the changes; picks up a question asked before it subscribed', async () => {
    const lines: string[] = [];
    const f = fakeApi(withQuestion);
    const off = answerPrivilegedRequests(f.api, io(lines), { readLine: () => Promise.resolve(null) });
    await expect.poll(() => f.answers).toEqual([{ id: 'q-1', answer: 'not-now' }]);
    expect(lines.at(-1)).toBe(
      "No terminal to answer on: going on without these changes (run 'dlite start' in a terminal to allow them).",
    );
    off();
  });
});
