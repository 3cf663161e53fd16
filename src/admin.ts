/**
 * `nest-status-bus/admin`: the admin HTTP API's OpenAPI description. The API itself is mounted
 * by `StatusBusModule.forRoot({ admin })`; the body classes and `setupStatusAdminOpenApi` need
 * `@nestjs/swagger`.
 */
export type { StatusAdminOptions } from './admin/status-admin-options.interface';
export { PostStatusEntryDto, StatusEntryResponseDto } from './admin/post-status-entry.dto';
export { setupStatusAdminOpenApi } from './admin/status-admin.openapi';
