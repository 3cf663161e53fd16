import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { StatusBusModule, StatusBusModuleOptions, StatusBusService } from '../../src';
import { setupStatusAdminOpenApi, StatusAdminOptions } from '../../src/admin';

export const TOKEN = 'test-admin-token-123';

/** An HTTP application with the admin API, listening on a free loopback port. */
export async function startAdminApp(
  admin: StatusAdminOptions = { token: TOKEN },
  options: StatusBusModuleOptions = {},
): Promise<{ app: INestApplication; bus: StatusBusService; url: string }> {
  const moduleRef = await Test.createTestingModule({
    imports: [StatusBusModule.forRoot({ ...options, admin })],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  setupStatusAdminOpenApi(app);
  await app.listen(0, '127.0.0.1');
  return { app, bus: app.get(StatusBusService), url: await app.getUrl() };
}
