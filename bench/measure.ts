/** Small timing and reporting helpers shared by the benchmark sections. */
import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';

export interface Row {
  /** What was measured. */
  name: string;
  /** The figure, already in `unit`. */
  value: number;
  unit: string;
  /** The same figure for what it is compared with, measured in the same run. */
  baseline?: { name: string; value: number };
  /** What we aim for, as words and as a check on value / baseline. */
  target?: { text: string; met: (ratio: number, value: number) => boolean };
  note?: string;
}

export interface Section {
  title: string;
  rows: Row[];
}

export function now(): number {
  return performance.now();
}

/** Runs `work` and returns entries per second for `count` entries. */
export async function rate(count: number, work: () => Promise<unknown>): Promise<number> {
  const start = now();
  await work();
  return count / ((now() - start) / 1000);
}

/** Percentile of already sorted samples. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** The median of figures in any order (of rounds, say): the nearest-rank 50th percentile. */
export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export function latencies(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function inFlight(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Resident set size after a full collection (the bench runs with --expose-gc). */
export function rssMiB(): number {
  global.gc?.();
  return process.memoryUsage().rss / (1 << 20);
}

/** Live JavaScript heap after a full collection. */
export function heapMiB(): number {
  global.gc?.();
  return process.memoryUsage().heapUsed / (1 << 20);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function progress(message: string): void {
  process.stdout.write(`  … ${message}\n`);
}

/** Entry fields shared by every contender, so all write the same data. */
export function sampleEntry(i: number) {
  return {
    agentId: `agent${i % 8}`,
    action: `step_${i % 100}`,
    status: (['ok', 'info', 'pending', 'completed', 'failed'] as const)[i % 5]!,
    detail: `Step ${i} finished after ${i % 1000} ms`,
    metadata: { i, tool: 'browser', attempt: 1 + (i % 3) },
  };
}

/**
 * Starts `bench/<script>` in a process of its own, as the bench itself runs (TypeScript,
 * `--expose-gc`), with `env` added to the environment; it talks back over IPC.
 */
export function forkBench(script: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  return fork(join(__dirname, script), [], {
    execArgv: ['--expose-gc', '-r', 'ts-node/register/transpile-only'],
    env: { ...process.env, ...env },
  });
}

/** Runs `bench/<script>` in a process of its own and resolves with the one report it sends. */
export function benchProcess<T>(script: string, env: NodeJS.ProcessEnv): Promise<T> {
  const child = forkBench(script, env);
  return new Promise<T>((resolve, reject) => {
    child.once('message', (report) => resolve(report as T));
    child.once('exit', (code) => reject(new Error(`bench/${script} exited with ${code}`)));
  });
}
