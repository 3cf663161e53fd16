import type { IncomingMessage, ServerResponse } from 'node:http';
import { positionOf } from './task-event.entry';

/** Express's middleware shapes, as far as the edge uses them. */
type Next = (err?: unknown) => void;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;
type ErrorMiddleware = (
  err: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  next: Next,
) => void;

/** The stream frames' payload keys (`StreamResponse` JSON), each holding `metadata`. */
const PAYLOADS = ['task', 'statusUpdate', 'artifactUpdate', 'message'] as const;

/** The position a stream frame (`data: {jsonrpc, id, result}`) carries, `0` when none. */
function positionOfFrame(data: string): number {
  try {
    const frame = JSON.parse(data) as { result?: Record<string, { metadata?: unknown }> };
    for (const key of PAYLOADS) {
      const metadata = frame.result?.[key]?.metadata;
      if (typeof metadata === 'object' && metadata !== null) {
        return positionOf(metadata as Record<string, unknown>);
      }
    }
  } catch {
    // Not a frame of ours (an error event's data is JSON too, without a result): no position.
  }
  return 0;
}

/** The `Last-Event-ID` header as a position, `0` when absent or malformed (refused elsewhere). */
function lastEventIdOf(req: IncomingMessage): number {
  const value = req.headers['last-event-id'];
  return typeof value === 'string' && /^\s*\d{1,15}\s*$/.test(value) ? Number(value) : 0;
}

/**
 * Gives every server-sent event of the SDK's JSON-RPC streams an `id:` line: the position on
 * the bus up to which the stream has delivered (the frame's `status_bus_seq`, never less than
 * the one before; the `Last-Event-ID` a stream resumed from for its opening task). A standard
 * SSE client sends it back as `Last-Event-ID` when it reconnects, and the resubscription
 * resumes there.
 *
 * Also tells `ended` when the request is over, whether it finished or its client left: a
 * resubscription waiting for its next event would otherwise hold its channel open until one came.
 */
export function a2aStreamIds(ended: (headers: object) => void): Middleware {
  return (req, res, next) => {
    res.once('close', () => ended(req.headers));
    const resumed = lastEventIdOf(req);
    let id = 0;
    const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === 'string' && chunk.startsWith('data: ') && isEventStream(res)) {
        // A resumed stream opens with the task as it stands now, then the events after the
        // position resumed from: the first frame stands at that position, not the task's.
        const first = id === 0 && resumed > 0;
        id = first ? resumed : Math.max(id, positionOfFrame(chunk.slice('data: '.length)));
        if (id > 0) chunk = `id: ${id}\n${chunk}`;
      }
      return write(chunk, ...rest);
    }) as ServerResponse['write'];
    next();
  };
}

function isEventStream(res: ServerResponse): boolean {
  return String(res.getHeader('content-type') ?? '').startsWith('text/event-stream');
}

/**
 * Answers a body that is JSON but not a JSON-RPC request with JSON-RPC's invalid request error
 * (-32600, JSON-RPC 2.0 §5.1), which the SDK reports as invalid params (-32602). Bodies the
 * application did not parse are left to the SDK.
 */
export function a2aRequests(): Middleware {
  return (req, res, next) => {
    const body: unknown = (req as { body?: unknown }).body;
    if (req.method !== 'POST' || body === undefined || isRequest(body)) return next();
    const id: unknown =
      typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : undefined;
    answer(res, typeof id === 'string' || typeof id === 'number' ? id : null, {
      code: -32600,
      message: 'Invalid JSON-RPC request: it needs "jsonrpc": "2.0", a method and an id.',
    });
  };
}

function isRequest(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { jsonrpc, method, id } = body as Record<string, unknown>;
  return (
    jsonrpc === '2.0' &&
    typeof method === 'string' &&
    (id === undefined || id === null || typeof id === 'string' || typeof id === 'number')
  );
}

/** Answers a JSON-RPC error, with HTTP 200 as the SDK's transport does (unless told otherwise). */
function answer(
  res: ServerResponse,
  id: string | number | null,
  error: object,
  status = 200,
): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ jsonrpc: '2.0', id, error }));
}

/**
 * Answers a body that is not JSON with JSON-RPC's parse error (-32700, JSON-RPC 2.0 §5.1),
 * as the A2A transport must. The application's body parser meets it before the SDK's router
 * (whose own handler for it never runs), and Nest would answer its own 400.
 */
export function a2aParseErrors(): ErrorMiddleware {
  return (err, _req, res, next) => {
    if (!(err instanceof SyntaxError) || !('body' in err) || res.headersSent) return next(err);
    answer(res, null, { code: -32700, message: 'Invalid JSON payload.' });
  };
}

/** Who the SDK's `UserBuilder` says is calling. */
interface Caller {
  readonly isAuthenticated: boolean;
  readonly userName: string;
}

/**
 * Requires every JSON-RPC call to be authenticated by `build` (the SDK's `UserBuilder`): a
 * caller it does not authenticate, or on which it throws (a bad token, say), is answered 401
 * with `WWW-Authenticate`, before the SDK sees the call. The user is built once per request:
 * the builder handed to the SDK answers the one built here.
 */
export function a2aAuthentication<R extends IncomingMessage>(
  build: (req: R) => Promise<Caller>,
): { middleware: Middleware; userBuilder: (req: R) => Promise<Caller> } {
  const callers = new WeakMap<IncomingMessage, Caller>();
  const middleware: Middleware = (req, res, next) => {
    build(req as R).then(
      (caller) => {
        if (!caller.isAuthenticated) return refuse(res);
        callers.set(req, caller);
        next();
      },
      // Whatever the builder said is not repeated: it may quote the credentials.
      () => refuse(res),
    );
  };
  const userBuilder = (req: R) => {
    const caller = callers.get(req);
    return caller ? Promise.resolve(caller) : build(req);
  };
  return { middleware, userBuilder };
}

function refuse(res: ServerResponse): void {
  res.setHeader('WWW-Authenticate', 'Bearer');
  const message = 'Authentication required: this agent serves authenticated callers only.';
  answer(res, null, { code: -32600, message }, 401);
}
