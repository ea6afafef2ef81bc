import type { DliteApi, InvokeMethod, PushMethod, Unsubscribe } from '../../../electron/shared/api.js';
import { EVENTS_PATH, INVOKE, PUSH } from '../../../electron/shared/contract.js';
import { err, type Result } from '../../../electron/shared/errors.js';

/**
 * {@link DliteApi} over the control socket's HTTP routes, for the renderer running in a plain
 * browser (a local bridge serves the page and proxies `/v1/*` to `control.sock`).
 */
export function createHttpApi(base = ''): DliteApi {
  const api: Record<string, unknown> = {};
  for (const method of Object.keys(INVOKE) as InvokeMethod[]) {
    const route = INVOKE[method];
    api[method] = async (arg?: unknown): Promise<Result<unknown>> => {
      try {
        const res = await fetch(base + route.path, {
          method: route.method,
          headers: route.method === 'POST' ? { 'content-type': 'application/json' } : {},
          body: route.method === 'POST' ? JSON.stringify(arg ?? {}) : null,
        });
        return (await res.json()) as Result<unknown>;
      } catch (e) {
        return err(
          'daemon-unreachable',
          `Dlite is not reachable: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    };
  }
  let source: EventSource | null = null;
  let count = 0;
  for (const method of Object.keys(PUSH) as PushMethod[]) {
    api[method] = (listener: (payload: unknown) => void): Unsubscribe => {
      source ??= new EventSource(base + EVENTS_PATH);
      count += 1;
      const handler = (event: MessageEvent<string>): void => listener(JSON.parse(event.data));
      source.addEventListener(PUSH[method].event, handler);
      return () => {
        source?.removeEventListener(PUSH[method].event, handler);
        count -= 1;
        if (count === 0) {
          source?.close();
          source = null;
        }
      };
    };
  }
  return api as unknown as DliteApi;
}
