import { useState, type ReactNode } from 'react';

import { CopyIcon } from '../Icons.js';
import { copyText } from '../lib/clipboard.js';
import { formatDuration } from '../lib/format.js';
import { machineName, resourceView, type Figure } from '../lib/resources.js';
import { useAppStore } from '../store/app-store.js';

function Row({ name, children, testId }: { name: string; children: ReactNode; testId?: string }) {
  return (
    <div className="detail-row">
      <span className="detail-name">{name}</span>
      <span className="detail-value" data-testid={testId}>
        {children}
      </span>
    </div>
  );
}

/** Figures joined by " · ", each with its longer description as a tooltip. */
function Figures({ figures }: { figures: readonly Figure[] }) {
  return figures.map((f, i) => (
    <span key={f.text}>
      {i > 0 && ' · '}
      <span title={f.title}>{f.text}</span>
    </span>
  ));
}

/**
 * The resource line (the VM's CPUs, memory and disk, with what it uses inside once measured) and
 * under it what the VM costs this machine, from the daemon's live figures.
 */
function ResourceLines({ now }: { now: number }) {
  const status = useAppStore((s) => s.status);
  const host = useAppStore((s) => s.host);
  if (status === null) return null;
  const view = resourceView(status, host, now);
  return (
    <div className="resource-lines">
      <p className="tabular" data-testid="vm-resources">
        <Figures figures={view.vm} />
      </p>
      {view.host.length > 0 && (
        <p className="secondary tabular" data-testid="vm-host-usage">
          {machineName(host)}: <Figures figures={view.host} />
          {view.age !== null && ` (${view.age})`}
        </p>
      )}
    </div>
  );
}

/** Docker endpoint (with copy), then the VM: resources, hypervisor, uptime. */
export function VmDetails({ now }: { now: number }) {
  const status = useAppStore((s) => s.status);
  const statusAt = useAppStore((s) => s.statusAt);
  const host = useAppStore((s) => s.host);
  const [copied, setCopied] = useState(false);
  if (status === null) return null;
  const state: string = status.state;
  const uptime =
    status.uptimeSeconds === null ? null : status.uptimeSeconds + Math.max(0, now - statusAt) / 1000;
  return (
    <>
      <section className="details" aria-label="Docker">
        <div className="detail-row">
          <span className="detail-name">Docker</span>
          {status.dockerEndpoint ? (
            <>
              <code className="endpoint detail-value" data-testid="vm-endpoint" title={status.dockerEndpoint}>
                {status.dockerEndpoint}
              </code>
              <button
                type="button"
                className="icon-button"
                aria-label="Copy Docker endpoint"
                onClick={() => void copyText(status.dockerEndpoint ?? '').then(setCopied)}
              >
                <CopyIcon />
              </button>
              <span className="visually-hidden" aria-live="polite">
                {copied ? 'Copied' : ''}
              </span>
            </>
          ) : (
            <span className="detail-value muted" data-testid="vm-endpoint">
              {state === 'sleeping' ? 'Wakes when Docker is used' : 'Not running'}
            </span>
          )}
        </div>
      </section>
      <section className="details" aria-label="Virtual machine">
        <ResourceLines now={now} />
        <Row name="Hypervisor" testId="vm-hypervisor">
          {status.hypervisor ?? (host ? `Automatic (${host.autoHypervisor})` : 'Automatic')}
        </Row>
        {state === 'running' && uptime !== null && (
          <Row name="Uptime" testId="vm-uptime">
            <span className="tabular">{formatDuration(uptime)}</span>
          </Row>
        )}
      </section>
    </>
  );
}
