/** What a spied-on logger method (`jest.spyOn(Logger.prototype, 'warn')`) was told, in order. */
export function logged(spy: jest.SpyInstance): string[] {
  return spy.mock.calls.map((call: unknown[]) => String(call[0]));
}
