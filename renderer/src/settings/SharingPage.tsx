import { useState } from 'react';

import { useApi } from '../api/api-context.js';
import { Field, describedBy, useSetting } from './Field.js';

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
