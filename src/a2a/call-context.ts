import { RequestMalformedError } from '@a2a-js/sdk/errors';
import type { ServerCallContext } from '@a2a-js/sdk/server';
import { describeValue } from '../errors/describe-value';
import { A2A_SEQ_KEY } from './task-event.entry';

/*
 * What the manager reads of an SDK call (its tenant, its request's headers, its resume point),
 * and the key of a task among tenants.
 */

/** The key of a task among tenants. */
export function keyOf(tenant: string, taskId: string): string {
  return `${tenant}\u0000${taskId}`;
}

/** The headers of the request a call came in on (the SDK's transports put them in its state). */
export function headersOf(context: ServerCallContext | undefined): object | undefined {
  const headers: unknown = context?.state.get('headers');
  return typeof headers === 'object' && headers !== null ? headers : undefined;
}

/** The call's tenant; `''` without one. */
export function tenantOf(context: ServerCallContext | undefined): string {
  return context?.tenant ?? '';
}

/** The `Last-Event-ID` header of the call: the position to resume after. */
export function lastEventId(context: ServerCallContext | undefined): number | undefined {
  const value = (headersOf(context) as Record<string, unknown> | undefined)?.['last-event-id'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value.trim())) {
    throw new RequestMalformedError(
      `Last-Event-ID must be a position on the bus (an integer ≥ 0: the metadata.${A2A_SEQ_KEY} ` +
        `of the last event received), got ${describeValue(value)}`,
    );
  }
  return Number(value.trim());
}
