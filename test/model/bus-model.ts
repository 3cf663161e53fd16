import fc from 'fast-check';
import { ModelInstance } from './bus-instance';
import { Forgery, ModelStore, StoredRow } from './model-store';

/** What the bus has promised so far: the model the real instances are checked against. */
export interface BusModel {
  /** Per instance, the actions it accepted, in post order. */
  posted: string[][];
  /**
   * Per instance, the number of the first action made after its recorder that joined last did
   * (`next` then), while that recorder is subscribed.
   */
  joinedAt: (number | undefined)[];
  /** Actions whose `postAsync` resolved. */
  acknowledged: Set<string>;
  next: number;
}

/** Faults injected over all runs, for the soak's report. */
export const faults = {
  listenerKilled: 0,
  writerKilled: 0,
  outages: 0,
  forged: 0,
};

/** The real system: instances on one store, and an outage of the store under way, if any. */
export class BusWorld {
  /** Resolves when the store is back. */
  outage: Promise<void> | undefined;

  constructor(
    readonly store: ModelStore,
    readonly instances: ModelInstance[],
    /** Per instance, whether a subscriber records from the start. */
    readonly recorders: boolean[],
  ) {}

  instance(i: number): ModelInstance {
    return this.instances[i % this.instances.length]!;
  }
}

type Command = fc.AsyncCommand<BusModel, BusWorld>;

/** Entries the store holds, in log order, in the wire form with their ids: once it is back. */
export async function tableRows(world: BusWorld): Promise<StoredRow[]> {
  await world.outage;
  return world.store.rows();
}

/** The actions of instance `i`'s entries in `rows`, in log order. */
export const actionsOf = (rows: { action: string }[], i: number) =>
  rows.map((r) => r.action).filter((a) => a.startsWith(`i${i}-`));

class Post implements Command {
  constructor(
    readonly i: number,
    readonly count: number,
  ) {}
  check = () => true;
  async run(model: BusModel, world: BusWorld): Promise<void> {
    const i = this.i % world.instances.length;
    const actions = Array.from({ length: this.count }, () => `i${i}-${model.next++}`);
    const accepted = await world.instance(i).post(actions);
    model.posted[i]!.push(...actions.slice(0, accepted));
  }
  toString = () => `post(${this.i}, ×${this.count})`;
}

class PostAsync implements Command {
  constructor(readonly i: number) {}
  check = () => true;
  async run(model: BusModel, world: BusWorld): Promise<void> {
    const i = this.i % world.instances.length;
    const action = `i${i}-${model.next++}`;
    // Accepted at once (before the store answers): recorded in post order before awaiting.
    model.posted[i]!.push(action);
    if (await world.instance(i).postAsync(action)) model.acknowledged.add(action);
  }
  toString = () => `postAsync(${this.i})`;
}

/** `flush`, then: everything the instance posted is in the table, in post order. */
class Flush implements Command {
  constructor(readonly i: number) {}
  check = () => true;
  async run(model: BusModel, world: BusWorld): Promise<void> {
    const i = this.i % world.instances.length;
    const posted = [...model.posted[i]!];
    await world.instance(i).flush();
    expect(actionsOf(await tableRows(world), i).slice(0, posted.length)).toEqual(posted);
  }
  toString = () => `flush(${this.i})`;
}

class KillConnection implements Command {
  constructor(
    readonly i: number,
    readonly which: 'listener' | 'writer',
  ) {}
  check = () => true;
  async run(_model: BusModel, world: BusWorld): Promise<void> {
    // The listening connection comes back by itself (once any outage is over), promptly.
    await world.outage;
    const index = this.i % world.instances.length;
    if (!(await world.store.kill(world.instance(index), index, this.which))) return;
    faults[this.which === 'listener' ? 'listenerKilled' : 'writerKilled'] += 1;
  }
  toString = () => `kill(${this.i}, ${this.which})`;
}

/** The store goes away for `ms` (connections cut); the run goes on meanwhile. */
class Outage implements Command {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_model: BusModel, world: BusWorld): Promise<void> {
    await world.outage;
    const back = await world.store.interrupt();
    faults.outages += 1;
    world.outage = new Promise<void>((resolve) => setTimeout(resolve, this.ms))
      .then(back)
      .finally(() => {
        world.outage = undefined;
      });
  }
  toString = () => `outage(${this.ms} ms)`;
}

/** A wake-up sent on the bus's channel by someone else, shaped as the bus's own. */
class Forge implements Command {
  constructor(readonly kind: Forgery) {}
  check = () => true;
  async run(_model: BusModel, world: BusWorld): Promise<void> {
    await world.outage;
    await world.store.forge(this.kind);
    faults.forged += 1;
  }
  toString = () => `forge(${this.kind})`;
}

/** One more subscriber on an instance, from now on: on an instance that took nothing, the first. */
class Join implements Command {
  constructor(readonly i: number) {}
  check = () => true;
  async run(model: BusModel, world: BusWorld): Promise<void> {
    const i = this.i % world.instances.length;
    if (model.joinedAt[i] !== undefined) return;
    await world.instance(i).join();
    model.joinedAt[i] = model.next;
  }
  toString = () => `join(${this.i})`;
}

/** The subscriber that joined leaves: on an instance without a recorder, it goes idle. */
class Leave implements Command {
  constructor(readonly i: number) {}
  check = () => true;
  async run(model: BusModel, world: BusWorld): Promise<void> {
    const i = this.i % world.instances.length;
    await world.instance(i).leave();
    model.joinedAt[i] = undefined;
  }
  toString = () => `leave(${this.i})`;
}

const instanceIndex = fc.nat({ max: 2 });

/** Every command the model-based test interleaves. */
export const busCommands = [
  fc
    .tuple(
      instanceIndex,
      fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 100, max: 3000 })),
    )
    .map(([i, n]) => new Post(i, n)),
  instanceIndex.map((i) => new PostAsync(i)),
  instanceIndex.map((i) => new Flush(i)),
  instanceIndex.map((i) => new Join(i)),
  instanceIndex.map((i) => new Leave(i)),
  fc
    .tuple(instanceIndex, fc.constantFrom('listener' as const, 'writer' as const))
    .map(([i, which]) => new KillConnection(i, which)),
  fc.integer({ min: 50, max: 800 }).map((ms) => new Outage(ms)),
  fc
    .constantFrom<Forgery>('ahead', 'next', 'types', 'position', 'garbage')
    .map((kind) => new Forge(kind)),
];
