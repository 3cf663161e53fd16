import { deepStrictEqual, ok, strictEqual } from 'node:assert/strict';
import { StatusBackend } from '../backends/status-backend';
import { StatusEntry } from '../entry/status-entry';
import { StatusLevel } from '../entry/status-level';

/** How the conformance cases get backends to test. */
export interface StatusBackendUnderTest {
  /** A new, opened backend over empty storage. */
  create: () => Promise<StatusBackend>;
  /**
   * Another opened backend over the same storage as the last `create()`, as after a restart or
   * on another instance. Leave it out for backends that keep nothing beyond one object.
   */
  reopen?: () => Promise<StatusBackend>;
}

/** One case of the `StatusBackend` contract; `run` throws (node:assert) when it is broken. */
export interface StatusBackendConformanceCase {
  name: string;
  run(subject: StatusBackendUnderTest): Promise<void>;
}

function entry(
  agentId: string,
  action: string,
  status: StatusLevel = 'ok',
  metadata = {},
): StatusEntry {
  return StatusEntry.create(agentId, action, status, { detail: `${action} done`, metadata });
}

async function using(
  backend: StatusBackend,
  work: (b: StatusBackend) => Promise<void>,
): Promise<void> {
  try {
    await work(backend);
  } finally {
    await backend.close();
  }
}

const seqs = (entries: StatusEntry[]) => entries.map((e) => e.seq);
const actions = (entries: StatusEntry[]) => entries.map((e) => e.action);

/**
 * The contract every `StatusBackend` must keep, as test cases any runner can drive. The bus's
 * own backends run them in CI; run them against yours:
 *
 * @example
 * describe('MyBackend', () => {
 *   for (const c of STATUS_BACKEND_CONFORMANCE) {
 *     it(c.name, () => c.run({ create: async () => { const b = new MyBackend(); await b.open(); return b; } }));
 *   }
 * });
 */
export const STATUS_BACKEND_CONFORMANCE: readonly StatusBackendConformanceCase[] = [
  {
    name: 'append stores entries in order, with growing positions, and returns them in that order',
    async run({ create }) {
      await using(await create(), async (b) => {
        strictEqual(await b.head(), 0);
        const batch = [entry('exec', 'a'), entry('voice', 'b'), entry('exec', 'c')];
        const stored = await b.append(batch);
        deepStrictEqual(actions(stored), ['a', 'b', 'c']);
        deepStrictEqual(
          stored.map((e) => e.id),
          batch.map((e) => e.id),
        );
        const [first, second, third] = stored.map((e) => e.seq!);
        ok(first! > 0 && second! > first! && third! > second!, 'positions grow');
        const next = await b.append([entry('exec', 'd')]);
        ok(next[0]!.seq! > third!, 'positions keep growing across appends');
        strictEqual(await b.head(), next[0]!.seq);
      });
    },
  },
  {
    name: 'stored entries keep every field as given',
    async run({ create }) {
      await using(await create(), async (b) => {
        const original = StatusEntry.create('exec', 'search_google', 'completed', {
          detail: 'Found 7 results 🎉',
          metadata: JSON.parse(
            '{"results": 7, "nested": {"list": [1, "two", null, true]}, "__proto__": "data"}',
          ) as Record<string, unknown>,
        });
        await b.append([original]);
        const [read] = await b.recent(1);
        deepStrictEqual(
          { ...read!.toJSON(), seq: undefined },
          { ...original.toJSON(), seq: undefined },
        );
        strictEqual(read!.id, original.id);
      });
    },
  },
  {
    name: 'readAfter returns what follows a position, oldest first, at most limit',
    async run({ create }) {
      await using(await create(), async (b) => {
        const stored = await b.append(Array.from({ length: 10 }, (_, i) => entry('exec', `s${i}`)));
        const after = stored[3]!.seq!;
        deepStrictEqual(seqs(await b.readAfter(after, 100)), seqs(stored.slice(4)));
        deepStrictEqual(seqs(await b.readAfter(after, 2)), seqs(stored.slice(4, 6)));
        deepStrictEqual(await b.readAfter(stored[9]!.seq!, 10), []);
      });
    },
  },
  {
    name: 'recent applies filters first, then takes the last n, oldest first',
    async run({ create }) {
      await using(await create(), async (b) => {
        await b.append([
          entry('exec', 'e1', 'ok'),
          entry('voice', 'v1', 'ok'),
          entry('exec', 'e2', 'failed'),
          entry('exec', 'e3', 'ok'),
          entry('voice', 'v2', 'completed'),
        ]);
        deepStrictEqual(actions(await b.recent(2)), ['e3', 'v2']);
        deepStrictEqual(actions(await b.recent(2, { agentId: 'exec' })), ['e2', 'e3']);
        deepStrictEqual(actions(await b.recent(10, { status: 'ok' })), ['e1', 'v1', 'e3']);
        deepStrictEqual(actions(await b.recent(10, { agentId: 'exec', status: 'ok' })), [
          'e1',
          'e3',
        ]);
        deepStrictEqual(await b.recent(10, { agentId: 'nobody' }), []);
      });
    },
  },
  {
    name: 'rooms scope recent and hasCompleted',
    async run({ create }) {
      await using(await create(), async (b) => {
        const inRoom = (roomId: string, action: string, status: StatusLevel = 'ok') =>
          StatusEntry.create('exec', action, status, { roomId });
        await b.append([inRoom('r1', 'a'), inRoom('r2', 'b', 'completed'), inRoom('r1', 'c')]);
        deepStrictEqual(actions(await b.recent(10, { roomId: 'r1' })), ['a', 'c']);
        deepStrictEqual(actions(await b.recent(1, { roomId: 'r2', agentId: 'exec' })), ['b']);
        strictEqual((await b.recent(1, { roomId: 'r2' }))[0]!.roomId, 'r2');
        strictEqual(await b.hasCompleted('exec', 'r2'), true);
        strictEqual(await b.hasCompleted('exec', 'r1'), false);
        strictEqual(await b.hasCompleted(undefined, 'r1'), false);
        strictEqual(await b.hasCompleted(), true);
      });
    },
  },
  {
    name: 'hasCompleted sees a completion however many entries came after it',
    async run({ create }) {
      await using(await create(), async (b) => {
        strictEqual(await b.hasCompleted(), false);
        await b.append([entry('exec', 'done', 'completed')]);
        await b.append(
          Array.from({ length: 1200 }, (_, i) => entry('other', `n${i}`, 'completed')),
        );
        strictEqual(await b.hasCompleted('exec'), true);
        strictEqual(await b.hasCompleted(), true);
        strictEqual(await b.hasCompleted('voice'), false);
      });
    },
  },
  {
    name: 'appending entries that are already stored does not store them twice',
    async run({ create }) {
      await using(await create(), async (b) => {
        const batch = [entry('exec', 'a'), entry('exec', 'b')];
        const first = await b.append(batch);
        const again = await b.append(batch);
        deepStrictEqual(seqs(again), seqs(first));
        deepStrictEqual(actions(await b.recent(10)), ['a', 'b']);
      });
    },
  },
  {
    name: 'a reopened backend has the history, and positions go on growing',
    async run({ create, reopen }) {
      if (!reopen) return;
      let last = 0;
      await using(await create(), async (b) => {
        const stored = await b.append([
          entry('exec', 'before'),
          entry('exec', 'done', 'completed'),
        ]);
        last = stored[1]!.seq!;
      });
      await using(await reopen(), async (b) => {
        deepStrictEqual(actions(await b.recent(10)), ['before', 'done']);
        strictEqual(await b.head(), last);
        strictEqual(await b.hasCompleted('exec'), true);
        const [next] = await b.append([entry('exec', 'after')]);
        ok(next!.seq! > last, 'positions go on after a restart');
      });
    },
  },
  {
    name: 'watch reports appends made through another backend on the same storage',
    async run({ create, reopen }) {
      const watcher = await create();
      if (!reopen || !watcher.watch) {
        await watcher.close();
        return;
      }
      await using(watcher, async (w) => {
        let calls = 0;
        const stop = await w.watch!(() => {
          calls += 1;
        });
        const baseline = calls;
        await using(await reopen(), async (other) => {
          await other.append([entry('exec', 'elsewhere')]);
          const deadline = Date.now() + 5000;
          while (calls === baseline && Date.now() < deadline)
            await new Promise((r) => setTimeout(r, 10));
        });
        await stop();
        ok(calls > baseline, 'watch was told of the other append');
      });
    },
  },
];
