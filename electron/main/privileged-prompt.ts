import type { DliteApi, Unsubscribe } from '../shared/api.js';
import type { PrivilegedAnswer, PrivilegedRequestDto } from '../shared/types.js';

/** The dialog's buttons, in order, and the answer each gives. */
export const PRIVILEGED_BUTTONS: readonly { readonly label: string; readonly answer: PrivilegedAnswer }[] = [
  { label: 'Continue', answer: 'continue' },
  { label: 'Not Now', answer: 'not-now' },
  { label: 'Don’t Ask Again', answer: 'never' },
];

/**
 * The explanation of a batch of system-file changes, before the password prompt (pure): what
 * changes, in which file, why, and what does not work without them.
 */
export function privilegedDialog(request: PrivilegedRequestDto): {
  message: string;
  detail: string;
  buttons: string[];
} {
  const changes = request.changes.map((c) => `• ${c.file}: ${c.action}\n   ${c.why}`);
  const without = request.ifDeclined.map((line) => `• ${line}`);
  return {
    message: request.title,
    detail: [
      ...changes,
      '',
      'Without them:',
      ...without,
      '',
      'macOS asks for your password next. Don’t Ask Again makes no such change from now on',
      '(dlite config set privileged_changes ask asks again).',
    ].join('\n'),
    buttons: PRIVILEGED_BUTTONS.map((b) => b.label),
  };
}

/**
 * Shows the daemon's pending system-file question (pushed in `VmStatus.hostIntegration.pending`)
 * once per request, and sends the answer back with `answerPrivileged`. Returns an unsubscribe.
 */
export function watchPrivilegedRequests(
  api: Pick<DliteApi, 'onState' | 'answerPrivileged'>,
  ask: (request: PrivilegedRequestDto) => Promise<PrivilegedAnswer>,
  log: (line: string) => void,
): Unsubscribe {
  const shown = new Set<string>();
  return api.onState((status) => {
    const request = status.hostIntegration.pending;
    if (request === null || shown.has(request.id)) return;
    shown.add(request.id);
    void ask(request).then(async (answer) => {
      const r = await api.answerPrivileged({ id: request.id, answer });
      if (!r.ok) log(`answering the system-file question: ${r.error.message}`);
    });
  });
}
