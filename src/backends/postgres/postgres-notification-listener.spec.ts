import { notifiedPosition } from './postgres-notification-listener';

describe('notifiedPosition', () => {
  it('reads the position a notification names, and nothing else', () => {
    expect(notifiedPosition('42')).toBe(42);
    // Rows, as instances that have not run migration 1764000000005 still send them.
    expect(notifiedPosition('[{"seq":7},{"seq":8}]')).toBe(8);
    for (const payload of [
      '',
      'soon',
      '[not json',
      '[]',
      '[null]',
      '[{"seq":"2"}]',
      '-5',
      '0',
      '1.5',
      '9007199254740993',
      '{"seq":3}',
    ]) {
      expect([payload, notifiedPosition(payload)]).toEqual([payload, undefined]);
    }
  });
});
