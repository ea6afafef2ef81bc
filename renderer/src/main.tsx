import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { getApi } from './api/get-api.js';
import { App } from './App.js';

const root = document.getElementById('root');
if (root === null) throw new Error('missing #root');
createRoot(root).render(
  <StrictMode>
    <App api={getApi()} />
  </StrictMode>,
);
