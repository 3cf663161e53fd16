/** Injection token of the resolved admin options. */
export const STATUS_ADMIN_OPTIONS = Symbol('nest-status-bus:admin-options');
