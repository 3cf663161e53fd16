import type { IncomingMessage, ServerResponse } from 'node:http';

/** Node's own request and response under a platform's (Express's are Node's; Fastify's wrap them). */
export interface RawHttp {
  request: IncomingMessage;
  response: ServerResponse;
  /** Tells the platform that the route writes the response itself (Fastify's `hijack`). */
  takeOver(): void;
}

/**
 * The Node request and response of a route handler's `@Req()` and `@Res()`, on Express and on
 * Fastify alike, for the routes that write their response themselves (the event stream and
 * the dashboard page).
 */
export function rawHttp(request: unknown, response: unknown): RawHttp {
  const reply = response as { raw?: ServerResponse; hijack?: () => void };
  return {
    request: (request as { raw?: IncomingMessage }).raw ?? (request as IncomingMessage),
    response: reply.raw ?? (response as ServerResponse),
    takeOver: () => reply.hijack?.(),
  };
}
