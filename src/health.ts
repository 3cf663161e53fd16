/**
 * `nest-status-bus/health`: the bus as a `@nestjs/terminus` health indicator (terminus is an
 * optional peer, needed only by this entry).
 */
export { StatusBusHealthIndicator } from './health/status-bus.health-indicator';
