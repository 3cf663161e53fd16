/**
 * What a backend on Redis offers the parts that keep state beside its log (the voice store's
 * checkpoints and sessions, the A2A task store): Lua scripts run atomically on the bus's own
 * connections and in its one hash slot, so that those parts need no client of their own. A
 * backend offers it as {@link StatusBackend.scripts}; the parts look for that, never for a class.
 */
export interface ScriptPort {
  /**
   * Runs `script` with `keys` (names under the bus's prefix, which the port adds: `voice:x`
   * becomes `{prefix}:voice:x`) as KEYS and `args` as ARGV, and answers its reply.
   */
  run<T>(script: string, keys: readonly string[], args: readonly (string | number)[]): Promise<T>;
}

/**
 * A name of any characters as part of a key, told apart from what follows it by its length in
 * bytes (`room` then `session`: `4:roomsession`), so that two pairs of names never make one key.
 */
export function keyPart(name: string): string {
  return `${Buffer.byteLength(name)}:${name}`;
}
