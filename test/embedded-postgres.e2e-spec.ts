import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('the embedded PostgreSQL server', () => {
  it('leaves the exit code the application set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'status-bus-exit-'));
    try {
      const code = await new Promise<number | null>((resolve) => {
        execFile(
          process.execPath,
          [
            '-r',
            'ts-node/register/transpile-only',
            join(__dirname, 'support/exit-code.process.ts'),
          ],
          {
            env: { ...process.env, STATUS_BUS_PG_DIR: dir, STATUS_BUS_EXIT_CODE: '3' },
            timeout: 120_000,
          },
        ).on('exit', resolve);
      });
      expect(code).toBe(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
