import { ok, type Result } from '../../shared/errors.js';
import type { LogLine, LogsRequest, Settings, VmStatus } from '../../shared/types.js';
import { errorResult } from '../dlite-error.js';
import { followFile } from '../fs/follow.js';
import { activeImages } from '../os-image/store.js';
import type { DlitePaths } from '../paths.js';
import { hostArch } from '../platform.js';
import { driverFor, settingsAccess } from './compose.js';
import { readLogs, toLogLine } from './supervisor-api.js';

/** What a client can learn about a home whose daemon is not running, from its files only. */
export interface OfflineHome {
  /**
   * `stopped`, with the settings' problems; `error` when a hypervisor still runs this home's disk
   * (a daemon crashed): `dlite start` re-attaches it. `hostPid` is null.
   */
  status(): Promise<VmStatus>;
  /** The stored settings as `getSettings` answers them (defaults when there is no file). */
  getSettings(): Promise<Result<Settings>>;
  logs(request: LogsRequest): Promise<Result<LogLine[]>>;
  /** Calls `onLine` for every line appended to the log from now on until `signal` aborts. */
  followLogs(
    source: LogsRequest['source'],
    onLine: (line: LogLine) => void,
    signal: AbortSignal,
  ): Promise<void>;
}

/**
 * Reads the home at `paths` without a host and without writing anything: `dlite status`,
 * `dlite config get` and `dlite logs` answer this way when no daemon runs, instead of starting one.
 */
export function readOffline(paths: DlitePaths, env: NodeJS.ProcessEnv = process.env): OfflineHome {
  const access = settingsAccess(paths, env);
  const settings = async (): Promise<Settings | null> =>
    (await access.repo.inspect(await access.context()).catch(() => null))?.settings ?? null;
  return {
    status: async () => {
      const [s, problems, images] = await Promise.all([
        settings(),
        access.problems(),
        activeImages(paths, hostArch()).catch(() => null),
      ]);
      const vm = await Promise.resolve()
        .then(() => driverFor(paths, s, env).inspect())
        .catch(() => null);
      const orphan = vm !== null && vm.state !== 'stopped' && vm.pid !== null;
      return {
        state: orphan ? 'error' : 'stopped',
        ip: null,
        hostname: s?.hostname ?? 'local.docker',
        dockerEndpoint: null,
        cpus: s?.cpu_count ?? 0,
        memoryGiB: s?.memory ?? 0,
        diskGiB: s?.disk_size ?? 0,
        hypervisor: null,
        uptimeSeconds: null,
        ssh: null,
        failure: orphan
          ? {
              step: 'host',
              message: `The VM is running (pid ${vm.pid}) but no Dlite daemon hosts it; 'dlite start' re-attaches it`,
              lastConsoleLines: [],
            }
          : null,
        dockerTransport: null,
        engineUnresponsiveSince: null,
        problems,
        hostPid: null,
        os: { running: null, active: images?.active?.manifest.version ?? null },
        hostIntegration: { pending: null, degraded: [] },
      };
    },
    getSettings: async () => {
      try {
        return ok((await access.repo.inspect(await access.context())).settings);
      } catch (e) {
        return errorResult(e, 'config-unreadable');
      }
    },
    logs: (request) => readLogs(paths, request).catch((e: unknown) => errorResult(e)),
    followLogs: (source, onLine, signal) =>
      followFile(
        source === 'console' ? paths.consoleLog : paths.dliteLog,
        (raw) => onLine(toLogLine(source, raw)),
        signal,
      ),
  };
}
