import { existsSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { PrivilegeDeclinedError } from '../../../electron/core/integration/runner.js';
import { sudoPromptExec } from '../../../electron/core/integration/sudo-prompt.js';

describe('the @vscode/sudo-prompt adapter', () => {
  it('maps "no password dialog possible here" to a declined elevation, a normal outcome', async () => {
    // This machine has neither pkexec nor kdesudo (sudo-prompt's Linux dialogs): the real module
    // answers that it cannot ask, which the flow treats like a user saying no.
    expect(existsSync('/usr/bin/pkexec') || existsSync('/usr/bin/kdesudo')).toBe(false);
    const e = await sudoPromptExec('true').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PrivilegeDeclinedError);
    expect((e as Error).message).toBe('Unable to find pkexec or kdesudo.');
  });
});
