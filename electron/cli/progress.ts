import type { ProgressDto } from '../shared/types.js';
import type { CliIo } from './commands.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Shows progress: a spinner with the current step on a TTY, plain `[n/m] step` lines otherwise. */
export function createProgressView(
  io: CliIo,
  write: (text: string) => void = (t) => process.stderr.write(t),
) {
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
      if (!io.isTty) {
        io.err(line(p));
        last = p;
        return;
      }
      last = p;
      draw();
      timer ??= setInterval(draw, 100);
    },
    done(): void {
      if (timer !== null) clearInterval(timer);
      timer = null;
      if (io.isTty && last !== null) write('\r\x1b[2K');
      last = null;
    },
  };
}
