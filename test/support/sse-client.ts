import http from 'node:http';

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
  /** When the event arrived, in epoch milliseconds with a fraction. */
  at: number;
}

/** A minimal Server-Sent Events client over node:http, keeping every event and comment it reads. */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  /** Whether the server ended the stream. */
  ended = false;
  private request: http.ClientRequest | undefined;
  private buffer = '';

  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient();
    return new Promise((resolve, reject) => {
      client.request = http.get(
        url,
        { headers: { Accept: 'text/event-stream', ...headers } },
        (response) => {
          client.status = response.statusCode ?? 0;
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => client.read(chunk));
          response.on('end', () => {
            client.ended = true;
          });
          resolve(client);
        },
      );
      client.request.on('error', reject);
    });
  }

  entries<T = Record<string, unknown>>(): T[] {
    return this.events.filter((e) => e.event === 'status').map((e) => JSON.parse(e.data) as T);
  }

  /** The events named `name`, their data parsed. */
  named<T = Record<string, unknown>>(name: string): T[] {
    return this.events.filter((e) => e.event === name).map((e) => JSON.parse(e.data) as T);
  }

  close(): void {
    this.request?.destroy();
  }

  private read(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const event: SseEvent = { data: '', at: performance.timeOrigin + performance.now() };
      let isEvent = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else {
          isEvent = true;
          const [field, ...rest] = line.split(': ');
          const value = rest.join(': ');
          if (field === 'id') event.id = value;
          else if (field === 'event') event.event = value;
          else if (field === 'data') event.data += value;
        }
      }
      if (isEvent) this.events.push(event);
    }
  }
}
