/** The parts of a mutation-testing-elements report (Stryker's JSON report) read here. */
interface Report {
  files: Record<string, { mutants: Mutant[] }>;
}

interface Mutant {
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: { line: number; column: number } };
}

/** Mutants the tests noticed: a hang counts, as it would in production. */
const DETECTED = new Set(['Killed', 'Timeout']);
/** Mutants that say nothing about the tests (they do not compile, or are left out). */
const IGNORED = new Set(['CompileError', 'RuntimeError', 'Ignored', 'Pending']);

/**
 * Per-file scores of the groups' reports and the list of mutants no test noticed, each with
 * where it is and what it changed: the list to review.
 */
export function summarise(reports: { group: string; report: unknown }[]): {
  text: string;
  score: number;
} {
  const lines: string[] = [];
  const missed: string[] = [];
  let detected = 0;
  let valid = 0;
  for (const { group, report } of reports) {
    for (const [file, { mutants }] of Object.entries((report as Report).files)) {
      const counted = mutants.filter((m) => !IGNORED.has(m.status));
      const found = counted.filter((m) => DETECTED.has(m.status)).length;
      detected += found;
      valid += counted.length;
      lines.push(
        `${group.padEnd(9)} ${file.padEnd(52)} ${String(found).padStart(4)}/${String(counted.length).padEnd(4)} ${percent(found, counted.length)}`,
      );
      for (const m of counted.filter((c) => !DETECTED.has(c.status))) {
        const replacement = (m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 70);
        missed.push(
          `${file}:${m.location.start.line}:${m.location.start.column} ${m.status} ${m.mutatorName} → ${replacement}`,
        );
      }
    }
  }
  const score = valid ? (100 * detected) / valid : 0;
  const text = [
    ...lines,
    `all: ${detected}/${valid} detected, ${score.toFixed(1)}%`,
    '',
    'not detected:',
    ...missed,
    '',
  ].join('\n');
  return { text, score };
}

function percent(part: number, whole: number): string {
  return whole ? `${((100 * part) / whole).toFixed(1)}%` : '-';
}
