import { createContext, useContext } from 'react';

import type { DliteApi } from '../../../electron/shared/api.js';

/** The window's {@link DliteApi}, provided once at the root. */
export const ApiContext = createContext<DliteApi | null>(null);

export function useApi(): DliteApi {
  const api = useContext(ApiContext);
  if (api === null) throw new Error('useApi outside <ApiContext.Provider>');
  return api;
}
