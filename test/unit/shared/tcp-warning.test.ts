import { describe, expect, it } from 'vitest';

import { dockerTcpWarning } from '../../../electron/shared/warnings.js';

describe('dockerTcpWarning', () => {
  it('says who can then control Docker and what that gives them', () => {
    const text = dockerTcpWarning('/Users/me');
    expect(text).toContain('TCP port 2375 without authentication');
    expect(text).toContain('any local user of this machine can then control Docker');
    expect(text).toContain('root in the VM');
    expect(text).toContain('read and write access to the shared folder /Users/me');
  });
});
