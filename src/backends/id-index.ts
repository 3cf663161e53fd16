import { StatusEntry } from '../entry/status-entry';
import { Queue } from '../util/queue';

/**
 * The kept entries of the in-memory backend by id, so that an entry appended again is found
 * and not stored twice. A `Map` of every id cost a quarter of an in-memory `postAsync`
 * (hashing and rehashing 36-character strings), so most entries are not hashed at all: ids made
 * by one process increase (see `uuidV7`), and the entries that arrive with an id above every
 * id seen so far form an ascending list, searched by halving. Only the others (ids made by
 * another process, restored from a file) go to a map.
 */
export class IdIndex {
  /** Kept entries whose id was the highest yet when it arrived, in arrival order. */
  private readonly ascending = new Queue<StatusEntry>();
  private readonly others = new Map<string, StatusEntry>();
  private highest = '';

  /** The kept entry with `id`, if any. */
  find(id: string): StatusEntry | undefined {
    if (id > this.highest) return undefined;
    const other = this.others.get(id);
    if (other) return other;
    const found = this.ascending.at(this.ascending.search((entry) => entry.id < id));
    return found?.id === id ? found : undefined;
  }

  add(entry: StatusEntry): void {
    if (entry.id > this.highest) {
      this.highest = entry.id;
      this.ascending.push(entry);
    } else {
      this.others.set(entry.id, entry);
    }
  }

  /** Forgets `entry`, the oldest kept one (entries leave in the order they came). */
  evict(entry: StatusEntry): void {
    if (this.ascending.at(0) === entry) this.ascending.shift();
    else this.others.delete(entry.id);
  }
}
