import { ListTasksRequest, Task, TaskState } from '@a2a-js/sdk';
import { ServerCallContext } from '@a2a-js/sdk/server';
import type { TaskStore } from '@a2a-js/sdk/server';
import { A2A_SEQ_KEY } from '../../src/a2a';

/** A caller: `user` signed in (or nobody), in `tenant` (or none). */
export function caller(user?: string, tenant?: string): ServerCallContext {
  return new ServerCallContext({
    tenant,
    user: user ? { isAuthenticated: true, userName: user } : undefined,
  });
}

export function task(id: string, contextId: string, state: string, at: string, seq?: number): Task {
  return Task.fromJSON({
    id,
    contextId,
    status: { state, timestamp: at },
    artifacts: [{ artifactId: 'a', name: 'report', parts: [{ text: `${id} report` }] }],
    history: [{ messageId: `${id}-m`, role: 'ROLE_USER', parts: [{ text: 'go' }] }],
    ...(seq !== undefined && { metadata: { [A2A_SEQ_KEY]: seq } }),
  });
}

export function listing(params: Partial<ListTasksRequest> = {}): ListTasksRequest {
  return {
    tenant: '',
    contextId: '',
    status: TaskState.TASK_STATE_UNSPECIFIED,
    pageToken: '',
    statusTimestampAfter: undefined,
    ...params,
  };
}

/** The TaskStore behaviour the SDK documents, on a store the test gives. */
export function behavesAsTaskStore(make: () => Promise<TaskStore>): void {
  const alice = caller('alice');
  let store: TaskStore;
  beforeEach(async () => {
    store = await make();
  });

  it('loads what it saved, and a second save overwrites the first', async () => {
    await store.save(task('t1', 'c1', 'TASK_STATE_WORKING', '2026-01-01T00:00:01Z'), alice);
    const done = task('t1', 'c1', 'TASK_STATE_COMPLETED', '2026-01-01T00:00:02Z');
    await store.save(done, alice);
    expect(await store.load('t1', alice)).toEqual(done);
  });

  it('answers undefined for a task it does not have', async () => {
    expect(await store.load('missing', alice)).toBeUndefined();
  });

  it('lists newest status first, filtered by context, state and time, in pages', async () => {
    for (let i = 1; i <= 5; i++) {
      const state = i % 2 ? 'TASK_STATE_WORKING' : 'TASK_STATE_COMPLETED';
      await store.save(
        task(`t${i}`, i <= 3 ? 'c1' : 'c2', state, `2026-01-01T00:00:0${i}Z`),
        alice,
      );
    }
    const all = await store.list(listing({ pageSize: 10 }), alice);
    expect(all.tasks.map((t) => t.id)).toEqual(['t5', 't4', 't3', 't2', 't1']);
    expect(all.totalSize).toBe(5);
    expect(all.nextPageToken).toBe('');
    expect(all.tasks.every((t) => t.artifacts.length === 0)).toBe(true);

    const ids = async (params: Partial<ListTasksRequest>) =>
      (await store.list(listing({ pageSize: 10, ...params }), alice)).tasks.map((t) => t.id);
    expect(await ids({ contextId: 'c1' })).toEqual(['t3', 't2', 't1']);
    expect(await ids({ status: TaskState.TASK_STATE_COMPLETED })).toEqual(['t4', 't2']);
    expect(await ids({ statusTimestampAfter: '2026-01-01T00:00:03Z' })).toEqual(['t5', 't4']);
    const withArtifacts = await store.list(listing({ pageSize: 1, includeArtifacts: true }), alice);
    expect(withArtifacts.tasks[0]!.artifacts.map((a) => a.name)).toEqual(['report']);

    const pages: string[][] = [];
    let pageToken = '';
    do {
      const page = await store.list(listing({ pageSize: 2, pageToken }), alice);
      expect(page.totalSize).toBe(5);
      pages.push(page.tasks.map((t) => t.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(pages).toEqual([['t5', 't4'], ['t3', 't2'], ['t1']]);
  });

  it('keeps tenants and owners apart', async () => {
    await store.save(
      task('t1', 'c1', 'TASK_STATE_WORKING', '2026-01-01T00:00:01Z'),
      caller('alice', 'acme'),
    );
    expect(await store.load('t1', caller('alice', 'acme'))).toBeDefined();
    expect(await store.load('t1', caller('alice', 'globex'))).toBeUndefined();
    expect(await store.load('t1', caller('alice'))).toBeUndefined();
    expect(await store.load('t1', caller('bob', 'acme'))).toBeUndefined();
    expect((await store.list(listing(), caller('alice', 'globex'))).tasks).toEqual([]);
    expect((await store.list(listing(), caller('bob', 'acme'))).totalSize).toBe(0);
  });
}
