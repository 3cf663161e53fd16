/**
 * The OpenAPI decorators the admin API describes itself with, from `@nestjs/swagger` when the
 * application has it, and doing nothing otherwise: the admin API itself does not need the
 * package, only `setupStatusAdminOpenApi` does.
 */
import type * as Swagger from '@nestjs/swagger';

function swagger(): typeof Swagger | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peer, loaded only with the admin API
    return require('@nestjs/swagger') as typeof Swagger;
  } catch {
    return undefined;
  }
}

const openApi = swagger();
const none = (): MethodDecorator & ClassDecorator & PropertyDecorator => () => undefined;

export const ApiBearerAuth: typeof Swagger.ApiBearerAuth = openApi?.ApiBearerAuth ?? none;
export const ApiBody: typeof Swagger.ApiBody = openApi?.ApiBody ?? none;
export const ApiCreatedResponse: typeof Swagger.ApiCreatedResponse =
  openApi?.ApiCreatedResponse ?? none;
export const ApiOkResponse: typeof Swagger.ApiOkResponse = openApi?.ApiOkResponse ?? none;
export const ApiProduces: typeof Swagger.ApiProduces = openApi?.ApiProduces ?? none;
export const ApiProperty: typeof Swagger.ApiProperty = openApi?.ApiProperty ?? none;
export const ApiPropertyOptional: typeof Swagger.ApiPropertyOptional =
  openApi?.ApiPropertyOptional ?? none;
export const ApiQuery: typeof Swagger.ApiQuery = openApi?.ApiQuery ?? none;
export const ApiTags: typeof Swagger.ApiTags = openApi?.ApiTags ?? none;
