/**
 * Fails the test during which a promise was rejected with nobody to handle it. In production
 * Node ends the process on an unhandled rejection, so one thrown inside a callback that another
 * library calls (an SDK's `.catch`, a stream's listener) is a crash, whatever the test asserted.
 */
const rejections: unknown[] = [];
const record = (reason: unknown) => rejections.push(reason);

beforeAll(() => {
  process.on('unhandledRejection', record);
});

afterAll(() => {
  process.off('unhandledRejection', record);
});

afterEach(() => {
  const found = rejections.splice(0);
  if (found.length > 0) {
    const first = found[0];
    throw new Error(
      `${found.length} unhandled rejection(s) during this test; the first: ` +
        (first instanceof Error ? (first.stack ?? first.message) : String(first)),
    );
  }
});
