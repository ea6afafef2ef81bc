import { useEffect, useState, type ReactNode } from 'react';

import { CopyIcon } from '../Icons.js';
import { copyText } from '../lib/clipboard.js';
import { formatDuration, gib } from '../lib/format.js';
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

/** Docker endpoint (with copy), then the VM: resources, hypervisor, uptime. */
export function VmDetails() {
  const status = useAppStore((s) => s.status);
  const statusAt = useAppStore((s) => s.statusAt);
  const host = useAppStore((s) => s.host);
  const [now, setNow] = useState(() => Date.now());
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(t);
  }, []);
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
            <span className="detail-value secondary" data-testid="vm-endpoint">
              {state === 'sleeping' ? 'Wakes when Docker is used' : 'Not running'}
            </span>
          )}
        </div>
      </section>
      <section className="details" aria-label="Virtual machine">
        <Row name="Resources" testId="vm-resources">
          <span className="tabular">
            CPU {status.cpus} · Memory {gib(status.memoryGiB)} · Disk {gib(host?.diskGiB ?? status.diskGiB)}
          </span>
        </Row>
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
