import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Browser, chromium } from 'playwright-core';

/**
 * The Chromium that `@sparticuz/chromium` (a dev dependency) ships inside its npm package,
 * unpacked on first use: `npm install` alone brings the browser, on any Linux machine.
 * Asked of a child process, because the package is an ES module that jest cannot load.
 */
function packagedChromium(): string | undefined {
  try {
    return execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const { default: c } = await import('@sparticuz/chromium'); process.stdout.write(await c.executablePath());",
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 120_000 },
    );
  } catch {
    return undefined;
  }
}

/** Headless Chromium: `CHROMIUM_PATH` when set, else the packaged one, else the system's. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = [
    process.env.CHROMIUM_PATH,
    packagedChromium(),
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
  ].find((p): p is string => !!p && existsSync(p));
  if (!executablePath) {
    throw new Error(
      'The dashboard tests need Chromium: run npm install (it brings @sparticuz/chromium), or set CHROMIUM_PATH.',
    );
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
