import type { QuitAction } from '../shared/app-types.js';

/** The answer to "Quit while the VM runs?", and whether to remember it. */
export interface QuitAnswer {
  readonly choice: 'stop-vm' | 'leave-running' | 'cancel';
  readonly remember: boolean;
}

export interface QuitFlowDeps {
  /** The VM state now (a string: states the contract does not list yet count as active). */
  readonly vmState: () => string | null;
  readonly quitAction: () => QuitAction;
  /** Asks the user (a native dialog with a "Remember my choice" checkbox). */
  readonly ask: () => Promise<QuitAnswer>;
  readonly remember: (action: QuitAction) => void;
  readonly stopVm: () => Promise<unknown>;
}

/** States in which quitting raises the question: the VM is up, coming up, or asleep. */
const ACTIVE = new Set(['running', 'starting', 'sleeping']);

/**
 * Decides what Quit does: nothing to ask when the VM is not active; otherwise the remembered
 * answer, or the user's (saved when they tick "Remember"). Stops the VM when that is the answer.
 * Resolves true when the app should quit, false when the user cancelled.
 */
export async function runQuitFlow(deps: QuitFlowDeps): Promise<boolean> {
  if (!ACTIVE.has(deps.vmState() ?? 'stopped')) return true;
  let action = deps.quitAction();
  if (action === 'ask') {
    const answer = await deps.ask();
    if (answer.choice === 'cancel') return false;
    if (answer.remember) deps.remember(answer.choice);
    action = answer.choice;
  }
  if (action === 'stop-vm') await deps.stopVm();
  return true;
}

/** The quit dialog's text and buttons, in the order `ask` maps back (pure). */
export const QUIT_DIALOG = {
  message: 'Stop the Dlite VM before quitting?',
  detail:
    'If you leave it running, Docker keeps working and the Dlite service keeps hosting the VM; the menu-bar app reconnects when you open it again.',
  buttons: ['Stop VM and Quit', 'Quit, Leave VM Running', 'Cancel'],
  checkboxLabel: 'Remember my choice',
  choices: ['stop-vm', 'leave-running', 'cancel'] as const,
} as const;
