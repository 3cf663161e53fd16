import { DynamicModule, Module } from '@nestjs/common';
import { StatusAdminOptions } from './status-admin-options.interface';
import { adminControllers, adminProviders } from './status-admin.part';

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
