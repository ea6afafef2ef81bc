/** Entry point of the `dlite` CLI. */
import { runCli } from './run-cli.js';

// `dlite status | head -1`: a reader that stops early closes the pipe; that ends the command quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`dlite: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);
