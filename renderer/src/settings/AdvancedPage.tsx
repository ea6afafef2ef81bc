import { useState } from 'react';

import { useApi } from '../api/api-context.js';
import { machineName } from '../lib/resources.js';
import { asList } from '../lib/states.js';
import { reclaimDisk } from '../store/actions.js';
import { useAppStore } from '../store/app-store.js';
import { CheckboxField, Field, describedBy, useSetting } from './Field.js';
import { TextSetting } from './TextSetting.js';

/** Sleeping when idle, what waking means, and the opt-in restart that frees held memory. */
function SleepSection() {
  const machine = machineName(useAppStore((s) => s.host)).replace(/^This/, 'this');
  const restart = useSetting('restart_to_free_memory');
  return (
    <section className="settings-section" aria-labelledby="section-sleep">
      <h2 id="section-sleep">When Idle</h2>
      <TextSetting
        setting="idle_stop_minutes"
        label="Sleep after"
        unit="minutes without use (0 = never)"
        numeric
        hint={`With no running container, Docker client or SSH session for this long, the VM sleeps: it is saved to disk and gives its CPU and memory back to ${machine}. The next Docker command wakes it where it left off, in seconds.`}
      />
      <CheckboxField
        id="setting-restart_to_free_memory"
        label="Restart the idle VM to free memory"
        checked={restart.value === true}
        error={restart.error}
        hint={`xhyve and vfkit never give freed memory back to ${machine}; with this on, an idle VM holding far more than after it booted (1.5× and 512 MiB more) restarts.`}
        onChange={(on) => restart.set(on)}
      />
    </section>
  );
}

/** Trims the VM's disk and says what came back. */
function ReclaimDisk() {
  const api = useApi();
  const running = useAppStore((s) => s.status?.state === 'running');
  const pending = useAppStore((s) => s.pending === 'reclaim');
  const machine = machineName(useAppStore((s) => s.host)).replace(/^This/, 'this');
  const [answer, setAnswer] = useState<{ ok: boolean; message: string } | null>(null);
  const hint = `The VM’s disk file grows as Docker writes; deleted images leave free space inside it. This gives that space back to ${machine}.${running ? '' : ' The VM must be running.'}`;
  return (
    <Field id="reclaim" label="Disk space" labelsControl={false} hint={hint}>
      <div className="update-panel">
        <div className="button-row start">
          <button
            type="button"
            data-testid="reclaim-disk"
            disabled={!running || pending}
            aria-describedby="reclaim-hint"
            onClick={() => void reclaimDisk(api).then(setAnswer)}
          >
            {pending ? 'Reclaiming…' : 'Reclaim Disk Space'}
          </button>
        </div>
        <p
          className={answer?.ok === false ? 'field-error' : 'secondary'}
          aria-live="polite"
          data-testid="reclaim-result"
        >
          {answer?.message ?? ''}
        </p>
      </div>
    </Field>
  );
}

/** The hypervisors' programs, where they apply (macOS; xhyve only on Intel Macs or when set). */
function HypervisorPrograms() {
  const host = useAppStore((s) => s.host);
  const xhyve = useSetting('xhyve_binary');
  if (host?.platform !== 'darwin') return null;
  const found = 'Empty: found in Dlite.app, on the PATH or in Homebrew.';
  return (
    <section className="settings-section" aria-labelledby="section-programs">
      <h2 id="section-programs">Hypervisor Programs</h2>
      <TextSetting setting="vfkit_binary" label="vfkit" placeholder="Found automatically" hint={found} />
      {(host.arch === 'x64' || xhyve.value !== '') && (
        <TextSetting setting="xhyve_binary" label="xhyve" placeholder="Found automatically" hint={found} />
      )}
    </section>
  );
}

/** Sleeping when idle, auto-restart, disk space, DNS servers, the hypervisors' programs, the logs. */
export function AdvancedPage() {
  const api = useApi();
  const auto = useSetting('auto_restart');
  const dns = useSetting('dns');
  const logDir = useAppStore((s) => s.host?.logDir);
  const [dnsText, setDnsText] = useState(() => asList(dns.value).join(', '));
  return (
    <>
      <SleepSection />
      <section className="settings-section" aria-labelledby="section-vm">
        <h2 id="section-vm">Virtual Machine</h2>
        <CheckboxField
          id="setting-auto_restart"
          label="Restart the VM if it stops unexpectedly"
          checked={auto.value === true}
          error={auto.error}
          hint="Up to 3 times in 5 minutes."
          onChange={(on) => auto.set(on)}
        />
        <ReclaimDisk />
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
      </section>
      <HypervisorPrograms />
      <section className="settings-section" aria-labelledby="section-logs">
        <h2 id="section-logs">Logs</h2>
        <Field
          id="logs"
          label="Logs folder"
          labelsControl={false}
          hint={logDir ? `Kept in ${logDir}.` : undefined}
        >
          <button type="button" onClick={() => void api.showWindow('logs')}>
            Show Logs…
          </button>
        </Field>
      </section>
    </>
  );
}
