import type { Result } from '../shared/errors.js';
import { DliteError } from '../core/dlite-error.js';
import type { HostClient } from '../core/host/connect-host.js';
import type { OfflineHome } from '../core/host/offline.js';
import type { DlitePaths } from '../core/paths.js';

/** Where a command writes, and what it knows of its terminal and environment. */
export interface CliIo {
  /** One line (or block) to stdout. */
  out: (text: string) => void;
  /** One line (or block) to stderr. */
  err: (text: string) => void;
  /** stdout is a terminal. */
  readonly isTty: boolean;
  /** stderr is a terminal (progress is drawn there). */
  readonly errIsTty: boolean;
  readonly env: NodeJS.ProcessEnv;
}

/** A failure a command reports with its own exit code (1 unless said otherwise). */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Wrong usage (unknown option, missing or extra argument): exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** What a command runs with: its io, the home it works on, and the ways to reach its host. */
export interface CliContext {
  readonly io: CliIo;
  readonly paths: DlitePaths;
  /** How to call this CLI again for the same home, for hints: `dlite` or `dlite -p work`. */
  readonly self: string;
  /** Connects to the home's daemon, starting it (with `--keep-alive` when asked) when none runs. */
  host(keepAlive?: boolean): Promise<HostClient>;
  /** The home's daemon when one runs, else null (never starts one). */
  runningHost(): Promise<HostClient | null>;
  /** The home read from its files, for when no daemon runs. */
  offline(): Promise<OfflineHome>;
}

/** Unwraps a Result or throws its error (a DliteError, printed as its one-line message). */
export function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  throw new DliteError(r.error.code, r.error.message, r.error.details ?? {});
}

/** Runs `fn` with a host client, always closing it afterwards. */
export async function using<T>(client: HostClient, fn: (api: HostClient) => Promise<T>): Promise<T> {
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}
