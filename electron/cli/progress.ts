import type { ProgressDto } from '../shared/types.js';
import type { CliIo } from './context.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Whether `io`'s stderr may receive terminal control codes: it is a terminal, `NO_COLOR` is unset
 * (https://no-color.org) and `TERM` is not `dumb`.
 */
export function fancyStderr(io: CliIo): boolean {
  const noColor = io.env['NO_COLOR'] !== undefined && io.env['NO_COLOR'] !== '';
  return io.errIsTty && !noColor && io.env['TERM'] !== 'dumb';
}

/**
 * Shows progress on stderr: a spinner with the current step when stderr is a terminal (and
 * `NO_COLOR` is unset), plain `[n/m] step` lines otherwise, so no control code reaches a file.
 */
export function createProgressView(
  io: CliIo,
  write: (text: string) => void = (t) => process.stderr.write(t),
) {
  const fancy = fancyStderr(io);
  let last: ProgressDto | null = null;
  let frame = 0;
  let timer: NodeJS.Timeout | null = null;
  const line = (p: ProgressDto): string => `[${p.current}/${p.max}] ${p.description}`;
  const draw = (): void => {
    if (last === null) return;
    frame = (frame + 1) % FRAMES.length;
    write(`\r\x1b[2K${FRAMES[frame]} ${line(last)}`);
  };
  return {
    update(p: ProgressDto): void {
      if (last !== null && last.step === p.step && last.operation === p.operation) return;
      last = p;
      if (!fancy) {
        io.err(line(p));
        return;
      }
      draw();
      timer ??= setInterval(draw, 100);
    },
    done(): void {
      if (timer !== null) clearInterval(timer);
      timer = null;
      if (fancy && last !== null) write('\r\x1b[2K');
      last = null;
    },
  };
}
