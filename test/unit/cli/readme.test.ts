import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { globalHelp } from '../../../electron/cli/help.js';

describe('README', () => {
  it("shows the CLI's help as it is", async () => {
    const readme = await readFile(path.resolve(import.meta.dirname, '../../../README.md'), 'utf8');
    expect(readme).toContain(`\`dlite --help\`:\n\n\`\`\`text\n${globalHelp()}\n\`\`\``);
  });
});
