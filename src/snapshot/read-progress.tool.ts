import { oneLine } from '../entry/status-text.format';
import { timestampMillis } from '../entry/status-timestamp';
import { StatusBusService } from '../status-bus.service';
import { AgentSnapshot } from './agent-snapshot';

/** A tool definition in the JSON-schema form that LLM and realtime voice APIs take. */
export interface ReadProgressToolDefinition {
  name: 'read_progress';
  description: string;
  parameters: {
    type: 'object';
    properties: { room_id: { type: 'string'; description: string } };
    additionalProperties: false;
  };
}

/** The tool for an agent: its definition, and the handler that answers a call. */
export interface ReadProgressTool {
  definition: ReadProgressToolDefinition;
  handler(args?: { room_id?: string }): Promise<string>;
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
 * const tool = createReadProgressTool(bus);
 * session.registerTool(tool.definition, (args) => tool.handler(args));
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
            type: 'string',
            description: 'The conversation to report on; all when left out.',
          },
        },
        additionalProperties: false,
      },
    },
    async handler(args = {}) {
      const roomId = args.room_id || undefined;
      const agents = await bus.snapshot({ roomId });
      if (agents.length === 0) return 'No agent has reported anything yet.';
      const at = now();
      const lines = agents.map((a) => sentence(a, at));
      return `${lines.join(' ')}\nRecent activity:\n${await bus.recentText(8, { roomId })}`;
    },
  };
}
