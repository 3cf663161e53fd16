import { Task } from '@a2a-js/sdk';
import { RequestMalformedError } from '@a2a-js/sdk/errors';
import { InMemoryStatusBackend, STATUS_BACKEND } from '../../src';
import { StatusBusTaskStore } from '../../src/a2a';
import { behavesAsTaskStore, caller, listing, task } from './task-store.behaviour';
import { BusApp } from '../support/bus-app';
import { sharedDatabase } from '../support/shared-database';

describe('StatusBusTaskStore', () => {
  describe('on the in-memory backend', () => {
    behavesAsTaskStore(async () => new StatusBusTaskStore(new InMemoryStatusBackend(100)));
  });

  describe('on PostgreSQL', () => {
    const shared = sharedDatabase('a2a_store');
    let instance: BusApp;
    behavesAsTaskStore(async () => {
      instance = await shared.start();
      return new StatusBusTaskStore(instance.app.get(STATUS_BACKEND));
    });

    it('shares its tasks between instances', async () => {
      const other = await shared.start();
      const saved = task('t1', 'c1', 'TASK_STATE_WORKING', '2026-01-01T00:00:01Z');
      await new StatusBusTaskStore(other.app.get(STATUS_BACKEND)).save(saved, caller('alice'));
      const here = new StatusBusTaskStore(instance.app.get(STATUS_BACKEND));
      expect(await here.load('t1', caller('alice'))).toEqual(saved);
    });
  });

  it('never sets a task back to a state older than the one it holds', async () => {
    const store = new StatusBusTaskStore(new InMemoryStatusBackend(100));
    const newer = task('t1', 'c1', 'TASK_STATE_COMPLETED', '2026-01-01T00:00:02Z', 12);
    await store.save(newer, caller());
    await store.save(task('t1', 'c1', 'TASK_STATE_WORKING', '2026-01-01T00:00:01Z', 9), caller());
    expect(await store.load('t1', caller())).toEqual(newer);
  });

  it('refuses a page token it did not issue, and a task without an id', async () => {
    const store = new StatusBusTaskStore(new InMemoryStatusBackend(100));
    await expect(store.list(listing({ pageToken: 'bogus' }), caller())).rejects.toThrow(
      new RequestMalformedError('pageToken is not a token this server issued.'),
    );
    await expect(store.save(Task.fromJSON({ contextId: 'c1' }), caller())).rejects.toThrow(
      RequestMalformedError,
    );
  });
});
