import { INestApplication } from '@nestjs/common';
import type * as Swagger from '@nestjs/swagger';
import { loadPart } from '../util/optional-part';
import { StatusAdminModule } from './status-admin.module';

/**
 * Serves the OpenAPI description of the admin API: the UI at `/{path}` and the JSON at
 * `/{path}-json` (default `/status/openapi` and `/status/openapi-json`). The description holds
 * no entries, so it is not behind the admin token.
 *
 * @example
 * const app = await NestFactory.create(AppModule);
 * setupStatusAdminOpenApi(app);
 */
export function setupStatusAdminOpenApi(
  app: INestApplication,
  path = 'status/openapi',
): Swagger.OpenAPIObject {
  const { DocumentBuilder, SwaggerModule } = loadPart(
    'setupStatusAdminOpenApi',
    ['@nestjs/swagger'],
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peer, loaded on use
    () => require('@nestjs/swagger') as typeof Swagger,
  );
  const config = new DocumentBuilder()
    .setTitle('Status bus admin API')
    .setDescription('Read, post and follow the status entries of a multi-agent system.')
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, config, { include: [StatusAdminModule] });
  SwaggerModule.setup(path, app, document);
  return document;
}
