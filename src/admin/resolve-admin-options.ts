import { describeValue } from '../errors/describe-value';
import { StatusBusConfigError } from '../errors/status-bus.errors';
import { StatusAdminOptions } from './status-admin-options.interface';

export interface ResolvedStatusAdminOptions {
  token: string | undefined;
  path: string;
  allowPost: boolean;
  heartbeatMs: number;
  maxBodyBytes: number;
}

/** The route prefix, without surrounding slashes. */
export function adminPath(admin: StatusAdminOptions): string {
  const path = admin.path ?? 'status';
  if (typeof path !== 'string' || !/^[A-Za-z0-9_\-/]+$/.test(path)) {
    throw new StatusBusConfigError(
      `StatusBusModule admin options: path must be a URL path such as "status", got ${describeValue(path)}`,
    );
  }
  return path.replace(/^\/+|\/+$/g, '');
}

/** Fills in defaults and refuses an admin API that anyone could use by accident. */
export function resolveAdminOptions(admin: StatusAdminOptions): ResolvedStatusAdminOptions {
  const fail = (problem: string): never => {
    throw new StatusBusConfigError(`StatusBusModule admin options: ${problem}`);
  };
  if (admin.token !== undefined && (typeof admin.token !== 'string' || admin.token.length < 8)) {
    fail(`token must be a string of at least 8 characters, got ${describeValue(admin.token)}`);
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
    maxBodyBytes: positive('maxBodyBytes', admin.maxBodyBytes, 131_072),
  };
}
