import { HttpException, HttpStatus } from '@nestjs/common';
import { InvalidStatusEntryError } from '../errors/status-bus.errors';
import type { StatusLevel } from '../entry/status-level';

/** The fields `POST {path}` takes: an entry in wire form, without `seq` and `ts`. */
export interface PostBody {
  agent_id: string;
  action: string;
  status: StatusLevel;
  detail?: string;
  metadata?: Record<string, unknown>;
  room_id?: string;
}

const FIELDS: ReadonlySet<string> = new Set([
  'agent_id',
  'action',
  'status',
  'detail',
  'metadata',
  'room_id',
]);

function tooLarge(limit: number): HttpException {
  return new HttpException(
    `Body is larger than ${limit} bytes (admin.maxBodyBytes)`,
    HttpStatus.PAYLOAD_TOO_LARGE,
  );
}

/**
 * Checks the shape and size of a `POST {path}` body; the values themselves are validated by
 * `postAsync`, which names the field at fault. Validated by hand rather than by a class
 * transformer: that one walks nested metadata recursively (a stack overflow at a few thousand
 * levels) and drops keys such as `constructor` or `__proto__` without a word.
 *
 * The size is that of the JSON the body carries, so the limit holds whatever the transfer
 * encoding (a `Content-Length`, chunks, or a compressed body that the parser inflated).
 */
export function readPostBody(
  body: unknown,
  contentLength: string | undefined,
  maxBodyBytes: number,
): PostBody {
  if (Number(contentLength) > maxBodyBytes) throw tooLarge(maxBodyBytes);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidStatusEntryError(
      'body',
      'must be a JSON object with agent_id, action and status (Content-Type: application/json)',
    );
  }
  for (const key of Object.keys(body)) {
    if (!FIELDS.has(key)) {
      throw new InvalidStatusEntryError(
        JSON.stringify(key.slice(0, 40)),
        `is not a field of an entry; the fields are ${[...FIELDS].join(', ')}`,
      );
    }
  }
  let json: string;
  try {
    json = JSON.stringify(body);
  } catch {
    throw new InvalidStatusEntryError('body', 'nests too deeply to be read');
  }
  if (Buffer.byteLength(json) > maxBodyBytes) throw tooLarge(maxBodyBytes);
  return body as PostBody;
}
