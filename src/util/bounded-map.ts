/**
 * A map that keeps at most `capacity` keys, forgetting the one used least recently when a new
 * key would exceed it (a `Map` keeps insertion order, so "use" moves a key to the end).
 */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  /** The key used last, already at the end: using it again moves nothing. */
  private newest: K | undefined;
  /** How many keys were forgotten to make room. */
  evictions = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  /** The value of `key`, which counts as a use. */
  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined && key !== this.newest) {
      this.map.delete(key);
      this.map.set(key, value);
      this.newest = key;
    }
    return value;
  }

  set(key: K, value: V): void {
    // The key used last is at the end already: setting it again moves nothing.
    if (key !== this.newest) {
      this.map.delete(key);
      this.newest = key;
    }
    this.map.set(key, value);
    if (this.map.size > this.capacity) {
      this.map.delete(this.map.keys().next().value as K);
      this.evictions += 1;
    }
  }

  /** Every value, least recently used first; not a use. */
  values(): IterableIterator<V> {
    return this.map.values();
  }
}
