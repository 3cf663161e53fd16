import { Logger } from '@nestjs/common';
import { Client, ClientConfig } from 'pg';

const RECONNECT_INITIAL_MS = 100;
const RECONNECT_MAX_MS = 5000;
const HEALTH_CHECK_TIMEOUT_MS = 5000;

/**
 * The newest position a payload names, if it names one: a number (what `status_bus_append`
 * sends), or the newest `seq` of an array of rows (what instances of an earlier release send
 * during a rolling upgrade). Anything else names none.
 */
export function notifiedPosition(payload: string): number | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (Array.isArray(value)) {
    const last: unknown = value[value.length - 1];
    value = typeof last === 'object' && last !== null ? (last as { seq?: unknown }).seq : undefined;
  }
  return Number.isSafeInteger(value) && (value as number) > 0 ? (value as number) : undefined;
}

/**
 * A dedicated connection that LISTENs for the bus's notifications and never gives up.
 *
 * Notifications sent while it is disconnected are lost by PostgreSQL's design, so after every
 * (re)connect it LISTENs first and only then reports `onAppended()`, which makes the feed read
 * everything after its last position: what was missed is caught up, nothing is read twice.
 * A periodic `SELECT 1` with a timeout catches connections that died silently.
 */
export class PostgresNotificationListener {
  private client: Client | undefined;
  private stopped = false;
  private reconnectDelay = RECONNECT_INITIAL_MS;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  private readonly logger = new Logger('StatusBus');
  /** How many times the connection was re-established; for tests and stats. */
  reconnects = 0;

  constructor(
    private readonly config: ClientConfig,
    private readonly channel: string,
    private readonly onAppended: (position?: number) => void,
    private readonly healthCheckIntervalMs: number,
  ) {}

  /** Connects and listens; rejects only if the very first attempt fails. */
  async start(): Promise<void> {
    await this.connect();
    this.healthTimer = setInterval(() => void this.checkHealth(), this.healthCheckIntervalMs);
    this.healthTimer.unref();
  }

  /** Whether the connection is up and listening. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /** The backend pid of the listening session, for tests that cut it. */
  get pid(): number | undefined {
    return (this.client as unknown as { processID?: number } | undefined)?.processID;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.healthTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connect(): Promise<void> {
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    const client = new Client(this.config);
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.notified(message.payload ?? '');
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.channel)}`);
    } catch (err) {
      client.removeAllListeners();
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.reconnectDelay = RECONNECT_INITIAL_MS;
    // Listening again: anything appended while we were away is read now.
    this.onAppended();
  }

  /**
   * Whatever the payload says, it only wakes the feed, which reads the table from its own
   * position: anyone who can connect can NOTIFY on the channel, and the log is the table.
   */
  private notified(payload: string): void {
    this.onAppended(notifiedPosition(payload));
  }

  private lost(client: Client, err: Error): void {
    if (this.stopped || this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners();
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    this.logger.warn(`Lost the notification connection (${err.message}); reconnecting.`);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(delay * 2, RECONNECT_MAX_MS);
    this.reconnectTimer = setTimeout(() => {
      this.connect().then(
        () => {
          this.reconnects += 1;
          this.logger.log('Notification connection re-established.');
        },
        (err: Error) => {
          this.logger.warn(`Reconnecting the notification connection failed: ${err.message}`);
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.reconnectTimer.unref();
  }

  private async checkHealth(): Promise<void> {
    const client = this.client;
    if (!client || this.connecting) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error('health check timed out')),
            HEALTH_CHECK_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (err) {
      this.lost(client, err as Error);
    } finally {
      clearTimeout(timer);
    }
  }
}
