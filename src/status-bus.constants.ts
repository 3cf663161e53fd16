/** The `@nestjs/event-emitter` event every entry is emitted as; the payload is the `StatusEntry`. */
export const STATUS_POSTED = 'status_posted';

/** Injection token of the {@link StatusBackend} the bus uses. */
export const STATUS_BACKEND = Symbol('nest-status-bus:backend');

/** Injection token of the module options with defaults filled in. */
export const STATUS_BUS_OPTIONS = Symbol('nest-status-bus:options');

/** Injection token of the internal consumers (event emitter, CQRS) fed like subscribers. */
export const STATUS_SINKS = Symbol('nest-status-bus:sinks');

/** Injection token of the copy of the log kept outside the store (`StatusJournal`), if any. */
export const STATUS_JOURNAL = Symbol('nest-status-bus:journal');
