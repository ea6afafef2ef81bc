/** Entry point of the `dlite` CLI. */
import { runCli } from './run-cli.js';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`dlite: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);
