import { describeValue } from '../errors/describe-value';
import { StatusBusConfigError } from '../errors/status-bus.errors';
import { StatusAdminOptions } from './status-admin-options.interface';

export interface ResolvedStatusAdminOptions {
  token: string | undefined;
  path: string;
  allowPost: boolean;
  heartbeatMs: number;
  maxBodyBytes: number;
  maxStreamBufferBytes: number;
  streamStallMs: number;
}

/** The JSON body parser's own limit in Nest's Express and Fastify adapters (100 KiB). */
export const PLATFORM_BODY_LIMIT = 102_400;

/** The shortest admin token accepted. */
export const MIN_TOKEN_LENGTH = 16;

/** The route prefix, without surrounding slashes. */
export function adminPath(admin: StatusAdminOptions): string {
  const path = admin.path ?? 'status';
  if (typeof path !== 'string' || !/^[A-Za-z0-9_\-/]+$/.test(path)) {
    throw new StatusBusConfigError(
      `admin options: path must be a URL path such as "status", got ${describeValue(path)}`,
    );
  }
  return path.replace(/^\/+|\/+$/g, '');
}

/** Fills in defaults and refuses an admin API that anyone could use by accident. */
export function resolveAdminOptions(admin: StatusAdminOptions): ResolvedStatusAdminOptions {
  const fail = (problem: string): never => {
    throw new StatusBusConfigError(`admin options: ${problem}`);
  };
  // Never quoted back: a message or log line must not carry the secret, not even a wrong one.
  if (admin.token !== undefined) {
    if (typeof admin.token !== 'string') fail(`token must be a string, got ${typeof admin.token}`);
    if (admin.token.length < MIN_TOKEN_LENGTH) {
      fail(
        `token is too short (${admin.token.length} characters); use at least ` +
          `${MIN_TOKEN_LENGTH}, for instance 32 random bytes in hex`,
      );
    }
    if (!/^[\x21-\x7e]+$/.test(admin.token)) {
      fail(
        'token must be printable ASCII without spaces, as an HTTP Authorization header carries it',
      );
    }
  }
  if (admin.token === undefined && admin.public !== true) {
    fail(
      'no token is set, so anyone could read and post entries. Set admin.token, or set ' +
        'admin.public: true to serve the admin routes without one on purpose.',
    );
  }
  const positive = (name: string, value: unknown, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      fail(`${name} must be a positive integer, got ${describeValue(value)}`);
    }
    return value as number;
  };
  return {
    token: admin.public === true && admin.token === undefined ? undefined : admin.token,
    path: adminPath(admin),
    allowPost: admin.allowPost ?? true,
    heartbeatMs: positive('heartbeatMs', admin.heartbeatMs, 15_000),
    maxBodyBytes: positive('maxBodyBytes', admin.maxBodyBytes, PLATFORM_BODY_LIMIT),
    maxStreamBufferBytes: positive('maxStreamBufferBytes', admin.maxStreamBufferBytes, 1 << 20),
    streamStallMs: positive('streamStallMs', admin.streamStallMs, 30_000),
  };
}
