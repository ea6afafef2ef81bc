import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { getApi } from './api/get-api.js';
import { App, viewOf } from './App.js';
import './styles.css';

const root = document.getElementById('root');
if (root === null) throw new Error('missing #root');
const view = viewOf(window.location.hash);
document.documentElement.dataset['view'] = view;
document.title = view === 'settings' ? 'Dlite Settings' : view === 'logs' ? 'Dlite Logs' : 'Dlite';
createRoot(root).render(
  <StrictMode>
    <App api={getApi()} view={view} />
  </StrictMode>,
);
// A window shows one view for its life; a new hash (a bookmark, a test) loads the view afresh.
window.addEventListener('hashchange', () => window.location.reload());
