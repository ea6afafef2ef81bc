import type { DliteApi } from '../../electron/shared/api.js';
import { ok, type Result } from '../../electron/shared/errors.js';

type Handler = (arg: unknown) => Promise<Result<unknown>> | Result<unknown>;

/**
 * A DliteApi for renderer tests: `answers` scripts invoke methods (anything else answers ok(null)),
 * `push(method, payload)` fires subscriptions, `calls` records invocations with their argument.
 */
export function fakeApi(answers: Partial<Record<keyof DliteApi, Handler>> = {}) {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const calls: [string, unknown][] = [];
  const api = new Proxy({} as DliteApi, {
    get: (_t, prop: string) => {
      if (prop.startsWith('on')) {
        return (l: (p: unknown) => void) => {
          const set = listeners.get(prop) ?? new Set();
          listeners.set(prop, set);
          set.add(l);
          return () => set.delete(l);
        };
      }
      return async (arg: unknown) => {
        calls.push([prop, arg]);
        const h = answers[prop as keyof DliteApi];
        return h ? h(arg) : ok(null);
      };
    },
  });
  return {
    api,
    calls,
    names: () => calls.map(([m]) => m),
    push: (method: string, payload: unknown) => listeners.get(method)?.forEach((l) => l(payload)),
    listening: (method: string) => listeners.get(method)?.size ?? 0,
  };
}
