import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { STATUS_BUS_SERVICE } from '../status-bus.constants';
import { StatusBusService } from '../status-bus.service';

/**
 * The bus as a `@nestjs/terminus` health indicator. `down` (the buffer full, the store refusing
 * appends for `postTimeoutMs`) fails the check; `degraded` (no notifications, the poll covering;
 * the buffer over half full; a subscriber skipping) passes it with `state: 'degraded'` and the
 * problems named, so that a load balancer keeps the instance and an operator still sees why.
 *
 * @example
 * \@Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.bus.isHealthy()]); }
 */
@Injectable()
export class StatusBusHealthIndicator {
  constructor(
    @Inject(STATUS_BUS_SERVICE) private readonly bus: StatusBusService,
    private readonly indicator: HealthIndicatorService,
  ) {}

  isHealthy(key = 'status_bus'): HealthIndicatorResult {
    const health = this.bus.health();
    const check = this.indicator.check(key);
    const details = {
      state: health.state,
      problems: health.problems,
      buffered: health.buffered,
      maxBufferedEntries: health.maxBufferedEntries,
      storeFailingForMs: health.storeFailingForMs,
      watching: health.watching,
      subscribersSkipping: health.subscribersSkipping,
    };
    return health.state === 'down' ? check.down(details) : check.up(details);
  }
}
