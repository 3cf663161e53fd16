import { DynamicModule, Logger, Module, Provider, Type } from '@nestjs/common';
import { describeValue } from '../errors/describe-value';
import { StatusBusConfigError } from '../errors/status-bus.errors';
import { loadPart } from '../util/optional-part';
import { createAgUiController } from './ag-ui/ag-ui.controller';
import type * as McpPart from './mcp/status-mcp.controller';
import { adminPath, resolveAdminOptions } from './resolve-admin-options';
import { StatusAdminOptions } from './status-admin-options.interface';
import { STATUS_ADMIN_OPTIONS } from './status-admin.constants';
import { createStatusAdminController } from './status-admin.controller';
import { StatusAdminGuard } from './status-admin.guard';
import { StatusStreams } from './status-streams';

/** The MCP endpoint's controller; `undefined` when its packages are missing and it was not asked for. */
function mcpController(path: string, required: boolean): Type<unknown> | undefined {
  try {
    return loadPart('admin option mcp', ['@modelcontextprotocol/sdk', 'zod'], () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on use
      const part = require('./mcp/status-mcp.controller') as typeof McpPart;
      return part.createStatusMcpController(path);
    });
  } catch (err) {
    if (required || !(err instanceof StatusBusConfigError)) throw err;
    new Logger('StatusBus').log(
      `The MCP endpoint is off: ${err.message}, or set admin.mcp: false to say it is meant to be.`,
    );
    return undefined;
  }
}

/** The admin API's controllers, mounted at its path. */
function adminControllers(admin: StatusAdminOptions): Type<unknown>[] {
  const path = adminPath(admin);
  const controllers = [createStatusAdminController(path)];
  if (switchOption('agUi', admin.agUi)) controllers.push(createAgUiController(path));
  if (switchOption('mcp', admin.mcp)) {
    const mcp = mcpController(path, admin.mcp === true);
    if (mcp) controllers.push(mcp);
  }
  return controllers;
}

/** An on/off option of the admin API: on unless `false`. */
function switchOption(name: string, value: unknown): boolean {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new StatusBusConfigError(
      `admin options: ${name} must be true or false, got ${describeValue(value)}`,
    );
  }
  return value !== false;
}

/** What the admin API's controllers need. */
function adminProviders(admin: StatusAdminOptions): Provider[] {
  return [
    // Resolved by a factory so that a missing token stops the application as it starts.
    { provide: STATUS_ADMIN_OPTIONS, useFactory: () => resolveAdminOptions(admin) },
    StatusAdminGuard,
    StatusStreams,
  ];
}

/**
 * The admin HTTP API of the application's bus, as a module of its own: what
 * `StatusBusModule.forRoot({ admin })` mounts, for an application that mounts it elsewhere (in
 * a module of its own, under a `RouterModule` prefix, beside its other admin routes).
 *
 * @example
 * // The bus registered once, in AppModule:
 * StatusBusModule.forRoot({ postgres: { url } })
 * // The admin API, in the application's admin module:
 * @Module({ imports: [StatusAdminModule.forRoot({ token: process.env.STATUS_ADMIN_TOKEN })] })
 * export class AdminModule {}
 */
@Module({})
export class StatusAdminModule {
  /** Mounts the admin API; routes are fixed here, hence no async variant. */
  static forRoot(options: StatusAdminOptions): DynamicModule {
    return {
      module: StatusAdminModule,
      controllers: adminControllers(options),
      providers: adminProviders(options),
    };
  }
}
