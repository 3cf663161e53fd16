import { StatusEntry } from './status-entry';
import { StatusLevel } from './status-level';

/** The text `recentText()` gives for an empty log. */
export const NO_ACTIVITY_TEXT = 'No activity yet.';
/** The text `summary()` gives for an empty log. */
export const NO_ENTRIES_TEXT = 'No status entries.';

const SUMMARY_ICONS: Readonly<Record<StatusLevel, string>> = {
  ok: '+',
  failed: 'x',
  info: '~',
  completed: '*',
  pending: '?',
};
const SUMMARY_RULE = '='.repeat(60);
const SUMMARY_DETAIL_LIMIT = 100;

/** One line per entry: `[HH:MM:SS] agent: action → status | detail` (UTC; ` | detail` only when set). */
export function formatRecentText(entries: readonly StatusEntry[]): string {
  if (entries.length === 0) return NO_ACTIVITY_TEXT;
  return entries
    .map((e) => {
      const head = `[${e.ts.slice(11, 19)}] ${e.agentId}: ${e.action} \u2192 ${e.status}`;
      return e.detail ? `${head} | ${e.detail}` : head;
    })
    .join('\n');
}

/** The session summary in the reference's layout, numbered from 1, with totals at the end. */
export function formatSummary(entries: readonly StatusEntry[]): string {
  if (entries.length === 0) return NO_ENTRIES_TEXT;
  const lines = ['Status Log', SUMMARY_RULE];
  const counts = { ok: 0, failed: 0, completed: 0 };
  entries.forEach((e, i) => {
    if (e.status in counts) counts[e.status as keyof typeof counts] += 1;
    const number = String(i + 1).padStart(2);
    lines.push(`  ${number}. [${SUMMARY_ICONS[e.status]}] ${e.agentId.padEnd(6)} ${e.action}`);
    if (e.detail) lines.push(`      ${e.detail.slice(0, SUMMARY_DETAIL_LIMIT)}`);
  });
  lines.push(
    '',
    `  Total: ${entries.length} entries (${counts.ok} ok, ${counts.failed} fail, ${counts.completed} done)`,
  );
  return lines.join('\n');
}
