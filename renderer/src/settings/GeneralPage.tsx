import { useState } from 'react';

import { QUIT_ACTIONS, type QuitAction, type TerminalApp } from '../../../electron/shared/app-types.js';
import { useApi } from '../api/api-context.js';
import { CopyIcon } from '../Icons.js';
import { copyText } from '../lib/clipboard.js';
import { setAppPrefs } from '../store/actions.js';
import { useAppStore } from '../store/app-store.js';
import { CheckboxField, Field } from './Field.js';
import { UpdateCheck } from './UpdateCheck.js';

const TERMINAL_NAMES: Record<TerminalApp, string> = {
  auto: 'Default',
  terminal: 'Terminal',
  iterm2: 'iTerm2',
  ghostty: 'Ghostty',
  wezterm: 'WezTerm',
  'x-terminal-emulator': 'System default (x-terminal-emulator)',
  'gnome-terminal': 'GNOME Terminal',
  konsole: 'Konsole',
};

const QUIT_NAMES: Record<QuitAction, string> = {
  ask: 'Ask each time',
  'stop-vm': 'Stop the VM',
  'leave-running': 'Leave the VM running',
};

/** Launch at login, terminal app, quit behaviour, updates, the command-line tool. */
export function GeneralPage() {
  const api = useApi();
  const app = useAppStore((s) => s.app);
  const [copied, setCopied] = useState(false);
  if (app === null) {
    return (
      <>
        <p className="secondary">App preferences are available in the Dlite menu-bar app.</p>
        <UpdateCheck />
      </>
    );
  }
  const link = app.cliPath ? `sudo ln -sf '${app.cliPath}' /usr/local/bin/dlite` : null;
  return (
    <>
      <CheckboxField
        id="launch-at-login"
        label="Launch Dlite at login"
        checked={app.prefs.launchAtLogin}
        disabled={!app.launchAtLoginSupported}
        hint={app.launchAtLoginSupported ? undefined : 'Not available on this system.'}
        onChange={(on) => void setAppPrefs(api, { launchAtLogin: on })}
      />
      <Field id="terminal" label="Terminal app" hint="Used by Open Terminal for a shell in the VM.">
        <select
          id="terminal"
          value={app.prefs.terminal}
          aria-describedby="terminal-hint"
          onChange={(e) => void setAppPrefs(api, { terminal: e.target.value as TerminalApp })}
        >
          {app.terminals.map((t) => (
            <option key={t} value={t}>
              {TERMINAL_NAMES[t]}
            </option>
          ))}
        </select>
      </Field>
      <fieldset className="field">
        <legend className="field-label">When quitting with the VM running</legend>
        {QUIT_ACTIONS.map((a) => (
          <label key={a} className="radio">
            <input
              type="radio"
              name="quit-action"
              value={a}
              checked={app.prefs.quitAction === a}
              onChange={() => void setAppPrefs(api, { quitAction: a })}
            />
            {QUIT_NAMES[a]}
          </label>
        ))}
      </fieldset>
      <UpdateCheck />
      {link && (
        <Field
          id="cli"
          label="Command-line tool"
          hint="Run this once in Terminal to use dlite from any shell."
        >
          <code id="cli" className="command">
            {link}
          </code>
          <button
            type="button"
            className="icon-button"
            aria-label="Copy command"
            onClick={() => void copyText(link).then(setCopied)}
          >
            <CopyIcon />
          </button>
          <span className="visually-hidden" aria-live="polite">
            {copied ? 'Copied' : ''}
          </span>
        </Field>
      )}
    </>
  );
}
