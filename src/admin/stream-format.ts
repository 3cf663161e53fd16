import { StatusEntry } from '../entry/status-entry';

/** Why a stream ended; its last frames say so. */
export type StreamEndReason =
  | 'slow_client'
  | 'shutdown'
  | 'store_unavailable'
  /** It followed for as long as it was asked to. */
  | 'finished'
  /** Its resume point is older than the oldest entry the store keeps. */
  | 'resume_point_lost';

/**
 * What a stream writes, as Server-Sent Events frames: the admin API's own `status` events, or an
 * AG-UI run. The stream decides what to send and when (replay, live, back-pressure, the end);
 * the format decides how each part looks.
 */
export interface StreamFormat {
  /**
   * What opens the stream, once its headers are sent; `head` is the newest position then, and
   * `from` the position the stream sends entries after (a frame's id must never be past it:
   * a client resuming from that id would skip what follows).
   */
  opening(head: number, from: number): string | Promise<string>;
  /** Said when the client resumes from a position this log never reached. */
  reset(head: number): string;
  /** The frames of one entry. */
  entry(entry: StatusEntry): string;
  /** The last frames, having sent up to `lastSeq`; `detail` says more for some reasons. */
  closing(reason: StreamEndReason, lastSeq: number, detail?: string): string;
}

/** One SSE frame: `id:` (when given), `event:` (when given), then the data on one line. */
export function sseFrame(data: unknown, id?: number, event?: string): string {
  return `${id === undefined ? '' : `id: ${id}\n`}${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
}

/**
 * The SSE frame of each entry, built once however many streams send it: entries are immutable,
 * and every stream on an instance is handed the same entry objects.
 */
const frames = new WeakMap<StatusEntry, string>();

/** The admin API's own stream: `id:` is the entry's `seq`, `event: status` its wire form. */
export const STATUS_EVENTS: StreamFormat = {
  opening: () => ': connected\n\n',
  reset: (head) => sseFrame({ last_seq: head }, undefined, 'reset'),
  entry(entry) {
    let frame = frames.get(entry);
    if (frame === undefined) {
      frame = sseFrame(entry, entry.seq, 'status');
      frames.set(entry, frame);
    }
    return frame;
  },
  closing: (reason, lastSeq, detail) =>
    sseFrame(
      { reason, last_seq: lastSeq, ...(detail ? { message: detail } : {}) },
      undefined,
      'end',
    ),
};
