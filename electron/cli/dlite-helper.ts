/**
 * `dlite-helper`: the one privileged command Dlite runs as root (through one elevation per start).
 * A closed set of operations on fixed system paths; see electron/core/privileged. It reads no
 * environment variable: the root it works under is fixed when this file is bundled (`/`; only the
 * test suite bundles it with a temporary root).
 */
import { execFixed } from '../core/privileged/ops.js';
import { runHelper } from '../core/privileged/helper.js';

declare const __DLITE_HELPER_ROOT__: string | undefined;

const root = typeof __DLITE_HELPER_ROOT__ === 'string' ? __DLITE_HELPER_ROOT__ : '/';

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('dlite-helper: must run as root; nothing was changed\n');
    return 2;
  }
  process.umask(0o022);
  return runHelper(
    process.argv.slice(2),
    { root, exec: execFixed },
    (line) => process.stdout.write(`${line}\n`),
    (line) => process.stderr.write(`${line}\n`),
  );
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`dlite-helper: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
