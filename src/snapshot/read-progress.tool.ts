import { oneLine } from '../entry/status-text.format';
import { timestampMillis } from '../entry/status-timestamp';
import { StatusBusService } from '../status-bus.service';
import { AgentSnapshot } from './agent-snapshot';

/**
 * A tool definition in the JSON-schema form that LLM and realtime voice APIs take. The schema
 * follows the rules of OpenAI's strict mode (every property required, none other allowed; an
 * optional argument is a nullable one), so `@openai/agents-realtime`'s `tool()` takes it as is.
 */
export interface ReadProgressToolDefinition {
  name: 'read_progress';
  description: string;
  parameters: {
    type: 'object';
    properties: { room_id: { type: ['string', 'null']; description: string } };
    required: ['room_id'];
    additionalProperties: false;
  };
}

/** What a call of the tool passes: the room to report on, or none (`null`, left out) for all. */
export interface ReadProgressArgs {
  room_id?: string | null;
}

/** The tool for an agent: its definition, and the handler that answers a call. */
export interface ReadProgressTool {
  definition: ReadProgressToolDefinition;
  /**
   * Answers a call with its arguments ({@link ReadProgressArgs}); `unknown`, as a tool
   * runtime passes what the model sent: anything of another shape is read as "every room".
   */
  handler(args?: unknown): Promise<string>;
}

function ago(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return seconds === 1 ? '1 second ago' : `${seconds} seconds ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return minutes === 1 ? '1 minute ago' : `${minutes} minutes ago`;
  const hours = Math.round(minutes / 60);
  return hours === 1 ? '1 hour ago' : `${hours} hours ago`;
}

function sentence(agent: AgentSnapshot, now: number): string {
  const what = `${oneLine(agent.agentId)}: ${oneLine(agent.action)}, ${agent.status}, ${ago(now - timestampMillis(agent.since))}`;
  return agent.detail ? `${what} (${oneLine(agent.detail)}).` : `${what}.`;
}

/**
 * A `read_progress` tool for a voice or LLM agent, like the reference's: what every agent is
 * doing now, in short sentences a voice model can say, then the last 8 entries.
 *
 * @example
 * // With @openai/agents-realtime, tools belong to the agent a RealtimeSession runs:
 * const progress = createReadProgressTool(bus);
 * const agent = new RealtimeAgent({
 *   name: 'voice',
 *   tools: [tool({ ...progress.definition, execute: (args) => progress.handler(args) })],
 * });
 */
export function createReadProgressTool(
  bus: StatusBusService,
  now: () => number = Date.now,
): ReadProgressTool {
  return {
    definition: {
      name: 'read_progress',
      description:
        'What every agent is doing right now and what happened recently. Call it before ' +
        'telling the user about progress, or before delegating a task.',
      parameters: {
        type: 'object',
        properties: {
          room_id: {
            type: ['string', 'null'],
            description: 'The conversation to report on; null for every conversation.',
          },
        },
        required: ['room_id'],
        additionalProperties: false,
      },
    },
    async handler(args) {
      const room = (args as ReadProgressArgs | undefined)?.room_id;
      const roomId = typeof room === 'string' && room !== '' ? room : undefined;
      const agents = await bus.snapshot({ roomId });
      if (agents.length === 0) return 'No agent has reported anything yet.';
      const at = now();
      const lines = agents.map((a) => sentence(a, at));
      return `${lines.join(' ')}\nRecent activity:\n${await bus.recentText(8, { roomId })}`;
    },
  };
}
