import { Fragment, useEffect, useRef, useState } from 'react';

import { useApi } from '../api/api-context.js';
import { GearIcon, MoreIcon } from '../Icons.js';
import { copyText } from '../lib/clipboard.js';
import { reclaimDisk, sleepNow } from '../store/actions.js';
import { useAppStore } from '../store/app-store.js';
import { StateBadge } from './StateBadge.js';

/**
 * The "⋯" menu: Sleep Now and Reclaim Disk Space while the VM runs, then Logs… and Quit. Escape or
 * a click elsewhere closes it.
 */
function MoreMenu() {
  const api = useApi();
  const running = useAppStore((s) => s.status?.state === 'running');
  const busy = useAppStore((s) => s.pending !== null && s.pending !== 'terminal');
  const [open, setOpen] = useState(false);
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    first.current?.focus();
    const close = (e: KeyboardEvent | MouseEvent) => {
      if (e instanceof KeyboardEvent && e.key !== 'Escape') return;
      if (e instanceof MouseEvent && (e.target as Element).closest('.more-menu')) return;
      setOpen(false);
    };
    window.addEventListener('keydown', close);
    window.addEventListener('mousedown', close);
    return () => {
      window.removeEventListener('keydown', close);
      window.removeEventListener('mousedown', close);
    };
  }, [open]);
  const items: { label: string; run: () => void; title?: string }[] = [];
  if (running && !busy) {
    items.push(
      {
        label: 'Sleep Now',
        title: 'Save the VM to disk until Docker is used again',
        run: () => void sleepNow(api),
      },
      {
        label: 'Reclaim Disk Space',
        title: 'Give the space the VM has freed back to this machine',
        run: () => void reclaimDisk(api),
      },
    );
  }
  items.push(
    { label: 'Logs…', run: () => void api.showWindow('logs') },
    { label: 'Quit Dlite', run: () => void api.quit() },
  );
  return (
    <div className="more-menu">
      <button
        type="button"
        className="icon-button"
        aria-label="More"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        <MoreIcon />
      </button>
      {open && (
        <div role="menu" aria-label="More" className="menu">
          {items.map((item, i) => (
            <Fragment key={item.label}>
              {item.label === 'Logs…' && i > 0 && <div role="separator" className="menu-separator" />}
              <button
                type="button"
                role="menuitem"
                title={item.title}
                ref={i === 0 ? first : undefined}
                onClick={() => (setOpen(false), item.run())}
              >
                {item.label}
              </button>
            </Fragment>
          ))}
        </div>
      )}
    </div>
  );
}

/** State word, then hostname · IP (click to copy); Settings and the "⋯" menu on the right. */
export function PopoverHeader() {
  const api = useApi();
  const status = useAppStore((s) => s.status);
  const [copied, setCopied] = useState(false);
  const address = status?.ip ? `${status.hostname} · ${status.ip}` : (status?.hostname ?? '');
  return (
    <header className="popover-header">
      <div className="popover-title">
        <StateBadge />
        {address !== '' && (
          <button
            type="button"
            className="link-button secondary"
            data-testid="vm-address"
            aria-label={`Copy address ${address}`}
            title="Copy"
            onClick={() => void copyText(status?.ip ?? status?.hostname ?? '').then(setCopied)}
          >
            <span data-testid="vm-hostname">{status?.hostname}</span>
            {status?.ip && (
              <>
                {' · '}
                <span data-testid="vm-ip">{status.ip}</span>
              </>
            )}
            {copied && <span className="visually-hidden"> copied</span>}
          </button>
        )}
      </div>
      <div className="header-buttons">
        <button
          type="button"
          className="icon-button"
          aria-label="Settings…"
          onClick={() => void api.showWindow('settings')}
        >
          <GearIcon />
        </button>
        <MoreMenu />
      </div>
    </header>
  );
}
