import { Row, Section } from './measure';

function fmt(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function line(row: Row): string {
  const ratio = row.baseline ? row.value / row.baseline.value : undefined;
  const target = row.target
    ? `${row.target.text} ${row.target.met(ratio ?? row.value, row.value) ? '✓' : '✗'}`
    : '';
  return [
    row.name,
    `${fmt(row.value)} ${row.unit}`,
    row.baseline ? `${row.baseline.name}: ${fmt(row.baseline.value)} ${row.unit}` : '',
    ratio === undefined ? '' : `${ratio.toFixed(2)}×`,
    target,
    row.note ?? '',
  ].join(' | ');
}

/** The Markdown report: how it was made, then one table per section. */
export function renderReport(
  sections: Section[],
  meta: {
    command: string;
    date: string;
    machine: string;
    node: string;
    postgres: string;
    /** Hand-written analysis (bench/NOTES.md), kept across runs. */
    notes?: string;
  },
): string {
  const out = [
    '# Benchmarks',
    '',
    `- command: \`${meta.command}\``,
    `- date: ${meta.date}`,
    `- machine: ${meta.machine}`,
    `- runtime: Node ${meta.node}, ${meta.postgres}`,
    '',
    'Every figure stands beside its baseline measured in the same run; compare ratios across',
    'runs, not absolute figures (the machines are shared and noisy).',
  ];
  for (const section of sections) {
    out.push(
      '',
      `## ${section.title}`,
      '',
      '| measured | figure | baseline | ratio | target | note |',
      '|---|---|---|---|---|---|',
    );
    for (const row of section.rows) out.push(`| ${line(row)} |`);
  }
  if (meta.notes) out.push('', meta.notes.trim());
  return out.join('\n') + '\n';
}
