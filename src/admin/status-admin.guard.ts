import {
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { STATUS_ADMIN_OPTIONS } from './status-admin.constants';
import type { ResolvedStatusAdminOptions } from './resolve-admin-options';

/** Marks a route that answers unauthorised requests itself (the dashboard's token form). */
export const SERVES_OWN_LOGIN = 'nest-status-bus:serves-own-login';

/** Requests let through to a {@link SERVES_OWN_LOGIN} route without a valid token. */
export const UNAUTHORIZED_REQUESTS = new WeakSet<object>();

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Requires `Authorization: Bearer <token>` on every admin route when a token is configured.
 * Compares digests in constant time, so neither the token's content nor its length leaks
 * through response timing.
 */
@Injectable()
export class StatusAdminGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(
    @Inject(STATUS_ADMIN_OPTIONS) options: ResolvedStatusAdminOptions,
    private readonly reflector: Reflector,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.expected = options.token === undefined ? undefined : digest(options.token);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (this.authorized(request.headers.authorization)) return true;
    if (this.reflector.get<boolean>(SERVES_OWN_LOGIN, context.getHandler())) {
      UNAUTHORIZED_REQUESTS.add(request);
      return true;
    }
    // A 401 must say how to authenticate (RFC 9110 §11.6.1); through the adapter, which sets
    // headers the way its platform does.
    this.adapterHost.httpAdapter.setHeader(
      context.switchToHttp().getResponse(),
      'WWW-Authenticate',
      'Bearer realm="nest-status-bus"',
    );
    throw new UnauthorizedException('A valid "Authorization: Bearer <token>" header is required');
  }

  private authorized(header: string | undefined): boolean {
    if (!this.expected) return true;
    const match = /^Bearer (.+)$/i.exec(header ?? '');
    return match !== null && timingSafeEqual(digest(match[1]!), this.expected);
  }
}
