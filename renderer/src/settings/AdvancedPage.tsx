import { useState } from 'react';

import { useApi } from '../api/api-context.js';
import { asList } from '../lib/states.js';
import { useAppStore } from '../store/app-store.js';
import { CheckboxField, Field, describedBy, useSetting } from './Field.js';

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
