import { DynamicModule, Module } from '@nestjs/common';
import {
  ConfigurableStatusBusModule,
  STATUS_BUS_ASYNC_OPTIONS_TYPE,
  STATUS_BUS_OPTIONS_TYPE,
} from './status-bus.module-definition';

/**
 * The status bus for a Nest application.
 *
 * @example
 * // In memory, last 500 entries:
 * StatusBusModule.forRoot()
 * // From configuration:
 * StatusBusModule.forRootAsync({
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ persistPath: config.get('STATUS_LOG') }),
 * })
 */
@Module({})
export class StatusBusModule extends ConfigurableStatusBusModule {
  /** Registers the bus; with no options, in memory keeping the last 500 entries. */
  static override forRoot(options: typeof STATUS_BUS_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }

  /** Registers the bus with options from a factory, class or existing provider. */
  static override forRootAsync(options: typeof STATUS_BUS_ASYNC_OPTIONS_TYPE): DynamicModule {
    return super.forRootAsync(options);
  }
}
