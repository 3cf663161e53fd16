import { StatusBusConfigError } from '../errors/status-bus.errors';

/**
 * Loads a part of the bus that needs packages the core does not (`pg` and `typeorm` for
 * PostgreSQL, say), only when an application uses that part, so that the core stays light. A
 * package that is not installed is named in the error, with the command that installs it.
 *
 * @param part what needs the packages, as the error should name it
 * @param packages the optional packages the part needs
 * @param load requires the part's own file (which imports those packages)
 */
export function loadPart<T>(part: string, packages: readonly string[], load: () => T): T {
  try {
    return load();
  } catch (err) {
    const message = err instanceof Error ? err.message : '';
    // The package itself or one of its files (`'@modelcontextprotocol/sdk/server/mcp.js'`).
    const missing = packages.find(
      (name) =>
        (err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' &&
        (message.includes(`'${name}'`) || message.includes(`'${name}/`)),
    );
    if (missing === undefined) throw err;
    throw new StatusBusConfigError(
      `${part} needs the package ${missing}, which is not installed. ` +
        `Install it beside nest-status-bus: npm install ${packages.join(' ')}`,
    );
  }
}
