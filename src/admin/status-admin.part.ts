import { Provider, Type } from '@nestjs/common';
import { adminPath, resolveAdminOptions } from './resolve-admin-options';
import { StatusAdminOptions } from './status-admin-options.interface';
import { STATUS_ADMIN_OPTIONS } from './status-admin.constants';
import { createStatusAdminController } from './status-admin.controller';
import { StatusAdminGuard } from './status-admin.guard';
import { StatusStreams } from './status-streams';

/** The admin API's controllers, mounted at its path. */
export function adminControllers(admin: StatusAdminOptions): Type<unknown>[] {
  return [createStatusAdminController(adminPath(admin))];
}

/** What the admin API's controllers need. */
export function adminProviders(admin: StatusAdminOptions): Provider[] {
  return [
    // Resolved by a factory so that a missing token stops the application as it starts.
    { provide: STATUS_ADMIN_OPTIONS, useFactory: () => resolveAdminOptions(admin) },
    StatusAdminGuard,
    StatusStreams,
  ];
}
