import { useState } from 'react';

import { QUIT_ACTIONS, type QuitAction, type TerminalApp } from '../../../electron/shared/app-types.js';
import type { UpdateInfo } from '../../../electron/shared/types.js';
import { DOCKER_TCP_WARNING } from '../../../electron/shared/warnings.js';
import { useApi } from '../api/api-context.js';
import { CopyIcon } from '../Icons.js';
import { copyText } from '../lib/clipboard.js';
import { asList } from '../lib/states.js';
import { setAppPrefs } from '../store/actions.js';
import { useAppStore } from '../store/app-store.js';
import { CheckboxField, Field, describedBy, useSetting } from './Field.js';
import { MirrorEditor } from './MirrorEditor.js';
import { NumberField } from './NumberField.js';

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

/** Checking for a DhyveOS update, and installing it. */
function UpdateCheck() {
  const api = useApi();
  const [state, setState] = useState<{ info?: UpdateInfo; message?: string; busy?: boolean }>({});
  const check = async () => {
    setState({ busy: true });
    const r = await api.checkForUpdate();
    setState(r.ok ? { info: r.value } : { message: r.error.message });
  };
  const apply = async () => {
    setState((s) => ({ ...s, busy: true }));
    const r = await api.applyUpdate();
    setState(
      r.ok ? { message: 'Update installed; it is used from the next start.' } : { message: r.error.message },
    );
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
      <span className="secondary" aria-live="polite" data-testid="update-status">
        {info && !info.available ? `DhyveOS ${info.currentVersion} is up to date.` : ''}
        {info?.available
          ? `DhyveOS ${info.latestVersion} is available (you have ${info.currentVersion}).`
          : ''}
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

/** CPU, memory and disk with the host's limits; the hypervisor with why each other one is unavailable. */
export function ResourcesPage() {
  const host = useAppStore((s) => s.host);
  const hv = useSetting('hypervisor');
  if (host === null) return <p className="secondary">Reading this machine’s limits…</p>;
  const machine = host.platform === 'darwin' ? 'This Mac' : 'This machine';
  const minDisk = Math.max(1, host.diskGiB ?? 1);
  return (
    <>
      <NumberField
        setting="cpu_count"
        label="CPUs"
        min={1}
        max={host.cpus}
        hint={`${machine} has ${host.cpus} cores.`}
      />
      <NumberField
        setting="memory"
        label="Memory"
        unit="GiB"
        min={1}
        max={host.maxMemoryGiB}
        hint={`Up to ${host.maxMemoryGiB} GiB: ${machine} has ${host.memoryGiB} GiB and keeps 1 GiB for itself.`}
      />
      <NumberField
        setting="disk_size"
        label="Disk size"
        unit="GiB"
        min={minDisk}
        max={Math.min(host.maxDiskGiB, Math.max(256, minDisk * 4))}
        hint={
          host.diskGiB === null
            ? 'The disk is created at the first start and only takes the space it uses.'
            : `The disk is ${host.diskGiB} GiB now; it can grow but not shrink.`
        }
      />
      <fieldset className="field" aria-describedby={describedBy('hypervisor', true, hv.error)}>
        <legend className="field-label">
          Hypervisor
          {hv.restart && <span className="badge badge-restart">restart</span>}
        </legend>
        <label className="radio">
          <input
            type="radio"
            name="hypervisor"
            value="auto"
            checked={hv.value === 'auto'}
            onChange={() => hv.set('auto')}
          />
          Automatic <span className="secondary">({host.autoHypervisor} here)</span>
        </label>
        {host.hypervisors.map((h) => (
          <label key={h.name} className={`radio${h.available ? '' : ' unavailable'}`}>
            <input
              type="radio"
              name="hypervisor"
              value={h.name}
              disabled={!h.available && hv.value !== h.name}
              checked={hv.value === h.name}
              onChange={() => hv.set(h.name)}
            />
            {h.name === 'qemu' ? 'QEMU' : h.name}
            {h.reason && <span className="secondary"> — {h.reason}</span>}
          </label>
        ))}
        <p id="hypervisor-hint" className="hint">
          Automatic picks the best one installed.
        </p>
        {hv.error && (
          <p id="hypervisor-error" className="field-error">
            {hv.error}
          </p>
        )}
      </fieldset>
    </>
  );
}

/** The shared folder (with a picker) and the VM's hostname. */
export function SharingPage() {
  const api = useApi();
  const share = useSetting('share');
  const hostname = useSetting('hostname');
  const [pickError, setPickError] = useState<string | null>(null);
  const pick = async () => {
    const r = await api.pickFolder({
      title: 'Folder to share with the VM',
      defaultPath: String(share.value ?? ''),
    });
    if (r.ok && r.value !== null) share.set(r.value);
    setPickError(r.ok ? null : 'The folder picker is available in the Dlite app; type the path instead.');
  };
  const shareHint = 'Shared into the VM at the same path, so bind mounts like -v "$PWD:/src" work.';
  return (
    <>
      <Field
        id="setting-share"
        label="Shared folder"
        hint={shareHint}
        error={share.error ?? pickError}
        restart={share.restart}
      >
        <input
          id="setting-share"
          type="text"
          className="path"
          value={String(share.value ?? '')}
          aria-invalid={share.error ? true : undefined}
          aria-describedby={describedBy('setting-share', shareHint, share.error ?? pickError)}
          onChange={(e) => share.set(e.target.value)}
        />
        <button type="button" onClick={() => void pick()}>
          Choose…
        </button>
      </Field>
      <Field
        id="setting-hostname"
        label="Hostname"
        hint="The VM’s name on this machine, e.g. local.docker."
        error={hostname.error}
        restart={hostname.restart}
      >
        <input
          id="setting-hostname"
          type="text"
          value={String(hostname.value ?? '')}
          aria-invalid={hostname.error ? true : undefined}
          aria-describedby={describedBy('setting-hostname', true, hostname.error)}
          onChange={(e) => hostname.set(e.target.value)}
        />
      </Field>
    </>
  );
}

/** One item per line (pure). */
const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');

/** Registry mirrors, extra daemon flags, Docker on TCP (with its warning), the docker context. */
export function EnginePage() {
  const args = useSetting('docker_args');
  const tcp = useSetting('docker_tcp');
  const context = useSetting('use_docker_context');
  const [argsText, setArgsText] = useState(() => asList(args.value).join('\n'));
  return (
    <>
      <MirrorEditor />
      <Field
        id="setting-docker_args"
        label="Extra daemon flags"
        hint="One dockerd flag per line, e.g. --max-concurrent-downloads=6."
        error={args.error}
        restart={args.restart}
      >
        <textarea
          id="setting-docker_args"
          rows={2}
          value={argsText}
          spellCheck={false}
          aria-invalid={args.error ? true : undefined}
          aria-describedby={describedBy('setting-docker_args', true, args.error)}
          onChange={(e) => {
            setArgsText(e.target.value);
            args.set(lines(e.target.value));
          }}
        />
      </Field>
      <CheckboxField
        id="setting-docker_tcp"
        label="Expose Docker on TCP port 2375"
        checked={tcp.value === true}
        restart={tcp.restart}
        error={tcp.error}
        hint={
          <span className={tcp.value === true ? 'warning' : undefined}>
            {tcp.value === true ? 'Warning: ' : ''}
            {DOCKER_TCP_WARNING}.
          </span>
        }
        onChange={(on) => tcp.set(on)}
      />
      <CheckboxField
        id="setting-use_docker_context"
        label="Make “dlite” the current docker context"
        checked={context.value === true}
        error={context.error}
        onChange={(on) => context.set(on)}
      />
    </>
  );
}

/** Auto-restart, DNS servers, the logs. */
export function AdvancedPage() {
  const api = useApi();
  const auto = useSetting('auto_restart');
  const dns = useSetting('dns');
  const logDir = useAppStore((s) => s.host?.logDir);
  const [dnsText, setDnsText] = useState(() => asList(dns.value).join(', '));
  return (
    <>
      <CheckboxField
        id="setting-auto_restart"
        label="Restart the VM if it stops unexpectedly"
        checked={auto.value === true}
        error={auto.error}
        hint="Up to 3 times in 5 minutes."
        onChange={(on) => auto.set(on)}
      />
      <Field
        id="setting-dns"
        label="DNS servers"
        hint="Comma-separated addresses; empty uses the hypervisor’s."
        error={dns.error}
        restart={dns.restart}
      >
        <input
          id="setting-dns"
          type="text"
          value={dnsText}
          aria-invalid={dns.error ? true : undefined}
          aria-describedby={describedBy('setting-dns', true, dns.error)}
          onChange={(e) => {
            setDnsText(e.target.value);
            dns.set(
              e.target.value
                .split(',')
                .map((s) => s.trim())
                .filter((s) => s !== ''),
            );
          }}
        />
      </Field>
      <Field id="logs" label="Logs" labelsControl={false} hint={logDir ? `Kept in ${logDir}.` : undefined}>
        <button type="button" onClick={() => void api.showWindow('logs')}>
          Show Logs…
        </button>
      </Field>
    </>
  );
}
