/**
 * `nest-status-bus/admin`: the admin HTTP API, mounted by `StatusBusModule.forRoot({ admin })`
 * or on its own by `StatusAdminModule`, and its OpenAPI description (the body classes and
 * `setupStatusAdminOpenApi` need `@nestjs/swagger`).
 */
export { StatusAdminModule } from './admin/status-admin.module';
export type { StatusAdminOptions } from './admin/status-admin-options.interface';
export { PostStatusEntryDto, StatusEntryResponseDto } from './admin/post-status-entry.dto';
export { setupStatusAdminOpenApi } from './admin/status-admin.openapi';
