/** The `@nestjs/event-emitter` event every entry is emitted as; the payload is the `StatusEntry`. */
export const STATUS_POSTED = 'status_posted';

/** Injection token of the {@link StatusBackend} the bus uses. */
export const STATUS_BACKEND = Symbol('nest-status-bus:backend');

/** Injection token of the module options as given to `forRoot` or made by `forRootAsync`. */
export const STATUS_BUS_MODULE_OPTIONS = Symbol('nest-status-bus:module-options');

/** Injection token of the module options with defaults filled in. */
export const STATUS_BUS_OPTIONS = Symbol('nest-status-bus:options');

/**
 * Injection token of the `StatusLog`, the core the service is a facade over: where features
 * register their sinks (`addSink`) and build their read models (`follow`).
 */
export const STATUS_LOG = Symbol('nest-status-bus:log');

/** Injection token of the copy of the log kept outside the store (`StatusJournal`), if any. */
export const STATUS_JOURNAL = Symbol('nest-status-bus:journal');

/**
 * Injection token of the bus's `StatusBusService` inside the bus: the core provides it to every
 * module, so that a feature imported on its own finds it, while the `StatusBusService` class
 * itself is injectable only where `StatusBusModule` is imported (or everywhere with `isGlobal`).
 */
export const STATUS_BUS_SERVICE = Symbol('nest-status-bus:service');
