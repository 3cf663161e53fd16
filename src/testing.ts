/** `nest-status-bus/testing`: the bus in tests, and the conformance suite for backends. */
export { StatusBusTestingModule } from './testing/status-bus-testing.module';
export { StatusBusTestKit } from './testing/status-bus-test-kit';
export { ManualClock } from './testing/manual-clock';
export { STATUS_BACKEND_CONFORMANCE } from './testing/status-backend.conformance';
export type {
  StatusBackendConformanceCase,
  StatusBackendUnderTest,
} from './testing/status-backend.conformance';
