import { useEffect, useState } from 'react';

import { QUIT_ACTIONS, type QuitAction, type TerminalApp } from '../../../electron/shared/app-types.js';
import type { Result } from '../../../electron/shared/errors.js';
import { formatTransfer } from '../../../electron/shared/format-transfer.js';
import type { UpdateInfo, UpdateResult } from '../../../electron/shared/types.js';
import { useApi } from '../api/api-context.js';
import { CopyIcon } from '../Icons.js';
import { copyText } from '../lib/clipboard.js';
import { setAppPrefs } from '../store/actions.js';
import { useAppStore } from '../store/app-store.js';
import { CheckboxField, Field } from './Field.js';

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

/** What the update panel shows: the last check, a message, whether a call is running, the download. */
interface UpdateView {
  readonly info?: UpdateInfo;
  readonly message?: string;
  readonly busy?: boolean;
  readonly transfer?: string;
}

/** Checking for a DhyveOS update, installing it with its download progress, and rolling back. */
function UpdateCheck() {
  const api = useApi();
  const [state, setState] = useState<UpdateView>({});
  useEffect(
    () =>
      api.onProgress((p) => {
        if (p.operation !== 'update') return;
        const transfer = p.transfer ? `${p.description}: ${formatTransfer(p.transfer)}` : p.description;
        setState((s) => (s.busy ? { ...s, transfer } : s));
      }),
    [api],
  );
  const check = async () => {
    setState({ busy: true });
    const r = await api.checkForUpdate();
    setState(r.ok ? { info: r.value } : { message: r.error.message });
  };
  const finish = (r: Result<UpdateResult>, verb: string) => {
    if (!r.ok) return setState((s) => ({ info: s.info, message: r.error.message }));
    const when = r.value.restartPending !== null ? 'Restart the VM to use it.' : 'The next start uses it.';
    setState({ message: `${verb} DhyveOS ${r.value.version}. ${when}` });
  };
  const apply = async () => {
    setState((s) => ({ ...s, busy: true }));
    finish(await api.applyUpdate({}), 'Installed');
  };
  const rollback = async () => {
    setState((s) => ({ ...s, busy: true }));
    finish(await api.rollbackUpdate(), 'Rolled back to');
  };
  const info = state.info;
  return (
    <Field id="updates" label="Updates" labelsControl={false}>
      <button type="button" disabled={state.busy} onClick={() => void check()}>
        Check for Updates
      </button>
      {info?.available && (
        <button type="button" className="primary" disabled={state.busy} onClick={() => void apply()}>
          Install {info.latestVersion}
        </button>
      )}
      {info?.previousVersion && (
        <button type="button" disabled={state.busy} onClick={() => void rollback()}>
          Roll Back to {info.previousVersion}
        </button>
      )}
      <span className="secondary" aria-live="polite" data-testid="update-status">
        {info && !info.available ? `DhyveOS ${info.currentVersion ?? '(none)'} is up to date.` : ''}
        {info?.available
          ? `DhyveOS ${info.latestVersion} is available (you have ${info.currentVersion ?? 'none'}).`
          : ''}
        {state.busy && state.transfer ? state.transfer : ''}
        {state.message ?? ''}
      </span>
    </Field>
  );
}

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
