import type { Request, Response } from 'express';
import { matchesFilter, StatusFilter } from '../backends/status-backend';
import { StatusEntry } from '../entry/status-entry';
import { StatusBusService } from '../status-bus.service';

/** Beyond this many bytes waiting for a slow client, the stream is closed; the client resumes. */
const MAX_BUFFERED_BYTES = 1 << 20;
const PAGE = 1000;

/**
 * Serves entries as Server-Sent Events, `id:` being the entry's `seq`. A client that comes back
 * with `Last-Event-ID` first gets every entry after it (as far as the store keeps them), then
 * the live ones, with none twice: live entries are held while the replay runs.
 */
export async function streamStatusEntries(
  bus: StatusBusService,
  request: Request,
  response: Response,
  options: { filter: StatusFilter; lastEventId: number | undefined; heartbeatMs: number },
): Promise<void> {
  const { filter, lastEventId, heartbeatMs } = options;
  response.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    // Tells nginx-style proxies not to buffer the stream.
    'X-Accel-Buffering': 'no',
  });
  response.write(': connected\n\n');

  let lastSent = lastEventId ?? 0;
  let replaying = lastEventId !== undefined;
  const held: StatusEntry[] = [];
  let closed = false;

  const send = (entry: StatusEntry): void => {
    if (closed || entry.seq! <= lastSent) return;
    response.write(`id: ${entry.seq}\nevent: status\ndata: ${JSON.stringify(entry)}\n\n`);
    lastSent = entry.seq!;
    if (response.writableLength > MAX_BUFFERED_BYTES) response.end();
  };
  const matches = (entry: StatusEntry): boolean => matchesFilter(entry, filter);

  const unsubscribe = await bus.subscribe((entry) => {
    if (replaying) held.push(entry);
    else send(entry);
  }, filter);
  const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), heartbeatMs);
  request.on('close', () => {
    closed = true;
    clearInterval(heartbeat);
    void unsubscribe();
  });

  if (lastEventId !== undefined) {
    let after = lastEventId;
    for (;;) {
      const page = await bus.entriesAfter(after, PAGE);
      for (const entry of page) if (matches(entry)) send(entry);
      if (page.length < PAGE || closed) break;
      after = page[page.length - 1]!.seq!;
    }
    replaying = false;
    for (const entry of held.splice(0)) send(entry);
  }
}
