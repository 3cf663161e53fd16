/** Size bounds applied to every entry before it is accepted. */
export interface StatusEntryLimits {
  /**
   * Longest `agent_id` and `action`, in UTF-16 code units.
   * @default 200
   */
  maxIdLength: number;
  /**
   * Longest `detail`, in UTF-16 code units.
   * @default 16384
   */
  maxDetailLength: number;
  /**
   * Largest `metadata`, measured as its JSON text in UTF-16 code units.
   * @default 65536
   */
  maxMetadataLength: number;
  /**
   * Deepest nesting of objects and arrays inside `metadata`.
   * @default 32
   */
  maxMetadataDepth: number;
}

export const DEFAULT_ENTRY_LIMITS: Readonly<StatusEntryLimits> = Object.freeze({
  maxIdLength: 200,
  maxDetailLength: 16_384,
  maxMetadataLength: 65_536,
  maxMetadataDepth: 32,
});
