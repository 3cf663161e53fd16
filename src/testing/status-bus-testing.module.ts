import { DynamicModule, Module } from '@nestjs/common';
import { StatusBusModule } from '../status-bus.module';
import { StatusBusModuleOptions } from '../status-bus-options.interface';
import { ManualClock } from './manual-clock';
import { StatusBusTestKit } from './status-bus-test-kit';

/**
 * The bus for tests of your own providers: in memory, on a {@link ManualClock}, global, with a
 * {@link StatusBusTestKit} to inject.
 *
 * @example
 * const moduleRef = await Test.createTestingModule({
 *   imports: [StatusBusTestingModule.forRoot()],
 *   providers: [MyAgent],
 * }).compile();
 * const app = await moduleRef.createNestApplication().init();
 * const kit = app.get(StatusBusTestKit);
 * await kit.waitFor((e) => e.status === 'completed');
 */
@Module({})
export class StatusBusTestingModule {
  static forRoot(
    options: Omit<StatusBusModuleOptions, 'clock'> = {},
    clock = new ManualClock(),
  ): DynamicModule {
    return {
      module: StatusBusTestingModule,
      global: true,
      imports: [StatusBusModule.forRoot({ ...options, clock: clock.now, isGlobal: true })],
      providers: [{ provide: ManualClock, useValue: clock }, StatusBusTestKit],
      exports: [ManualClock, StatusBusTestKit],
    };
  }
}
