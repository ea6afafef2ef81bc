import { useState } from 'react';

import { PRIVILEGED_CHANGES, type PrivilegedChangesSetting } from '../../../electron/shared/types.js';
import { useApi } from '../api/api-context.js';
import { useAppStore } from '../store/app-store.js';
import { CheckboxField, Field, describedBy, useSetting } from './Field.js';

/**
 * The system files Dlite may change on this machine: the /var/run/docker.sock link (off by
 * default), and whether to ask before changing any (hosts, exports, the link) or never to.
 */
function SystemFiles() {
  const link = useSetting('docker_socket_link');
  const changes = useSetting('privileged_changes');
  const home = useAppStore((s) => s.host?.home);
  const sock = home ? `${home}/run/docker.sock` : 'Dlite’s docker.sock';
  return (
    <section className="settings-section" aria-labelledby="section-system-files">
      <h2 id="section-system-files">System Files</h2>
      <CheckboxField
        id="setting-docker_socket_link"
        label="Link /var/run/docker.sock to Dlite"
        checked={link.value === true}
        restart={link.restart}
        error={link.error}
        hint={`For tools that ignore DOCKER_HOST and Docker contexts: /var/run/docker.sock then leads to ${sock}. A link that belongs to another program is left alone. Off by default.`}
        onChange={(on) => link.set(on)}
      />
      <fieldset className="field" aria-describedby="privileged-hint">
        <legend className="field-label">
          Changing system files
          {changes.restart && <span className="badge badge-restart">restart</span>}
        </legend>
        {PRIVILEGED_CHANGES.map((choice) => (
          <label key={choice} className="radio">
            <input
              type="radio"
              name="privileged_changes"
              value={choice}
              checked={changes.value === choice}
              onChange={() => changes.set(choice)}
            />
            {PRIVILEGED_NAMES[choice]}
          </label>
        ))}
        <p id="privileged-hint" className="hint">
          Some features need a system file changed: the hostname (/etc/hosts), a folder shared over NFS
          (/etc/exports), the link above. Dlite explains the changes and asks for your password once, when the
          VM starts.
        </p>
        {changes.error && <p className="field-error">{changes.error}</p>}
      </fieldset>
    </section>
  );
}

const PRIVILEGED_NAMES: Record<PrivilegedChangesSetting, string> = {
  ask: 'Ask first, then make them',
  never: 'Never (the features that need them stay off)',
};

/** The shared folder (with a picker), the VM's hostname and the system files Dlite may change. */
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
      <SystemFiles />
    </>
  );
}
