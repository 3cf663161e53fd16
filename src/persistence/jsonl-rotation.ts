import { describeValue } from '../errors/describe-value';
import { fail, positiveInteger } from '../util/option-checks';

/** When the JSONL file starts anew; the full one is kept beside it under a dated name. */
export interface JsonlRotationOptions {
  /** Start a new file before a write would take the current one past this many bytes. */
  maxBytes?: number;
  /** Start a new file on the first write of each UTC day (by the bus's clock). */
  daily?: boolean;
  /**
   * How many rotated files to keep; older ones are deleted.
   * @default all of them
   */
  keepFiles?: number;
}

/** Rotation checked, with what is off as `undefined`. */
export interface ResolvedJsonlRotation {
  maxBytes: number | undefined;
  daily: boolean;
  keepFiles: number | undefined;
}

/** Checks `persistRotation`, naming what is wrong; `undefined` when it is off. */
export function resolveJsonlRotation(
  rotation: unknown,
  persistPath: string | undefined,
): ResolvedJsonlRotation | undefined {
  if (rotation === undefined) return undefined;
  const name = 'persistRotation';
  if (typeof rotation !== 'object' || rotation === null) {
    fail(
      name,
      `must be an object such as { maxBytes: 100_000_000 }, got ${describeValue(rotation)}`,
    );
  }
  if (persistPath === undefined) fail(name, 'needs persistPath: it rotates that file');
  const { maxBytes, daily, keepFiles } = rotation as JsonlRotationOptions;
  if (daily !== undefined && typeof daily !== 'boolean') {
    fail(`${name}.daily`, `must be true or false, got ${describeValue(daily)}`);
  }
  if (maxBytes === undefined && !daily) fail(name, 'needs maxBytes or daily: true');
  return {
    maxBytes: maxBytes === undefined ? undefined : positiveInteger(`${name}.maxBytes`, maxBytes, 0),
    daily: daily ?? false,
    keepFiles:
      keepFiles === undefined ? undefined : positiveInteger(`${name}.keepFiles`, keepFiles, 0),
  };
}
