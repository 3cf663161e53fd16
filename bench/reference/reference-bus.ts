import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The reference StatusBus's figures for the in-memory section's workload. */
export interface ReferenceFigures {
  perSecond: number;
  /** Post → subscriber, µs. */
  p50: number;
  p99: number;
  /** Where the figures come from, for the table's note. */
  source: string;
}

/**
 * Recorded with CPython 3.11 on this kind of machine when the in-memory section was written,
 * two runs back to back: used when the reference cannot be run here.
 */
const RECORDED: ReferenceFigures = {
  perSecond: 86_006,
  p50: 7.5,
  p99: 21,
  source:
    'reference: recorded on another day, not this run (set STATUS_BUS_REFERENCE to measure it)',
};

/**
 * Runs the reference (Python, in memory) with the same workload as the bus, in this run, when
 * `STATUS_BUS_REFERENCE` names a Python interpreter that can import
 * `roomkit.orchestration.status_bus` (`pip install roomkit`, or PYTHONPATH at its sources);
 * otherwise answers the recorded figures. Like the bus, it warms up with `sequential` posts first.
 */
export async function referenceBus(sequential: number, timed: number): Promise<ReferenceFigures> {
  const python = process.env.STATUS_BUS_REFERENCE;
  if (!python) return RECORDED;
  const script = join(__dirname, 'status_bus_reference.py');
  const { stdout } = await promisify(execFile)(python, [script, String(sequential), String(timed)]);
  const figures = JSON.parse(stdout) as ReferenceFigures & { python: string };
  return { ...figures, source: `reference: ${figures.python}, measured in this run` };
}
