import { useEffect, type ReactNode } from 'react';

import { useApi } from '../api/api-context.js';
import { checkDraft, loadSettingsWindow } from '../store/actions.js';
import { useAppStore } from '../store/app-store.js';
import { SETTINGS_PAGES, type SettingsPage } from '../store/ui-slice.js';
import { ApplyBar } from './ApplyBar.js';
import { AdvancedPage } from './AdvancedPage.js';
import { EnginePage } from './EnginePage.js';
import { GeneralPage } from './GeneralPage.js';
import { ResourcesPage } from './ResourcesPage.js';
import { SharingPage } from './SharingPage.js';

/** How long the form waits after a keystroke before asking the core about the draft, ms. */
const CHECK_DELAY_MS = 150;

const PAGES: Record<SettingsPage, { title: string; render: () => ReactNode }> = {
  general: { title: 'General', render: () => <GeneralPage /> },
  resources: { title: 'Resources', render: () => <ResourcesPage /> },
  sharing: { title: 'Sharing', render: () => <SharingPage /> },
  engine: { title: 'Docker Engine', render: () => <EnginePage /> },
  advanced: { title: 'Advanced', render: () => <AdvancedPage /> },
};

/** Settings: a sidebar of pages, the page, and the Apply bar. */
export function SettingsWindow() {
  const api = useApi();
  const page = useAppStore((s) => s.page);
  const setPage = useAppStore((s) => s.setPage);
  const draft = useAppStore((s) => s.draft);
  const revision = useAppStore((s) => s.revision);
  const loaded = useAppStore((s) => s.saved !== null);
  const settingsError = useAppStore((s) => s.settingsError);
  useEffect(() => void loadSettingsWindow(api), [api]);
  useEffect(() => {
    if (draft === null) return;
    const t = setTimeout(() => void checkDraft(api), CHECK_DELAY_MS);
    return () => clearTimeout(t);
  }, [api, draft]);
  return (
    <div className="settings">
      <nav className="sidebar" aria-label="Settings pages">
        <ul>
          {SETTINGS_PAGES.map((p) => (
            <li key={p}>
              <button
                type="button"
                aria-current={p === page ? 'page' : undefined}
                data-testid={`page-${p}`}
                onClick={() => setPage(p)}
              >
                {PAGES[p].title}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main className="settings-page" aria-labelledby="page-title">
        <h1 id="page-title">{PAGES[page].title}</h1>
        <div className="page-body" key={`${page}-${revision}`}>
          {loaded || page === 'general' ? (
            PAGES[page].render()
          ) : (
            <p className="secondary">{settingsError ? settingsError.message : 'Loading settings…'}</p>
          )}
        </div>
        <ApplyBar />
      </main>
    </div>
  );
}
