import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import { z } from 'zod';
import { StatusEntry } from '../../entry/status-entry';
import { STATUS_LEVELS, StatusLevel } from '../../entry/status-level';
import {
  InvalidStatusEntryError,
  InvalidStatusQueryError,
  StatusResumePointLostError,
} from '../../errors/status-bus.errors';
import { agentSnapshotJson } from '../../snapshot/agent-snapshot';
import { createReadProgressTool } from '../../snapshot/read-progress.tool';
import { StatusBusService } from '../../status-bus.service';

/** The most entries one `read_progress` call answers. */
const MAX_LIMIT = 100;

const wireEntry = z.object({
  seq: z.number().int(),
  ts: z.string(),
  agent_id: z.string(),
  action: z.string(),
  status: z.enum(STATUS_LEVELS as unknown as [StatusLevel, ...StatusLevel[]]),
  detail: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  room_id: z.string(),
});

const status = z.enum(STATUS_LEVELS as unknown as [StatusLevel, ...StatusLevel[]]);

/*
 * Built once: a server is made per request (stateless mode), and building the schemas and the
 * JSON Schema validator for each cost most of a call.
 */
const validator = new AjvJsonSchemaValidator();

const readProgressInput = {
  room_id: z.string().min(1).optional().describe('The conversation; all when left out'),
  agent_id: z.string().min(1).optional().describe('Only entries of this agent'),
  status: status.optional().describe('Only entries with this status'),
  after_seq: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('Only entries after this position (resume with last_seq)'),
  limit: z.number().int().min(1).max(MAX_LIMIT).optional().describe('At most, default 8'),
};

const readProgressOutput = {
  entries: z.array(wireEntry).describe('Oldest first'),
  last_seq: z.number().int().describe('Resume after this position'),
};

const postStatusInput = {
  agent_id: z.string().describe('Who reports'),
  action: z.string().describe('What was done'),
  status: z.string().describe(`One of ${STATUS_LEVELS.join(', ')}`),
  detail: z.string().optional(),
  // Not z.record: it copies the object by assignment, which turns a "__proto__" key into a
  // prototype and loses it. The bus's own validation copies metadata safely, keeping it as data.
  metadata: z
    .unknown()
    .refine(isObject, { message: 'metadata must be a JSON object' })
    .meta({ type: 'object' })
    .describe('Anything else, as JSON')
    .optional(),
  room_id: z.string().optional().describe('The conversation; default when left out'),
};

/** What the MCP endpoint serves, beside the bus. */
export interface StatusMcpOptions {
  /** List and accept `post_status` (the admin API's `allowPost`). */
  allowPost: boolean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The newest position the store holds, `0` when empty. */
async function head(bus: StatusBusService): Promise<number> {
  const [newest] = await bus.recent(1);
  return newest?.seq ?? 0;
}

/** A tool error that names what was wrong; the call stored nothing. */
function toolError(err: unknown): CallToolResult {
  if (
    err instanceof InvalidStatusEntryError ||
    err instanceof InvalidStatusQueryError ||
    err instanceof StatusResumePointLostError
  ) {
    return { isError: true, content: [{ type: 'text', text: err.message }] };
  }
  throw err;
}

/**
 * The bus as an MCP server: tools `read_progress` (and `post_status`), and each room's board
 * as a resource. One per request, as the SDK's stateless Streamable HTTP mode wants: nothing is
 * kept between calls, so any instance behind a load balancer can answer any call.
 */
export function createStatusMcpServer(bus: StatusBusService, options: StatusMcpOptions): McpServer {
  const server = new McpServer(
    { name: 'nest-status-bus', version: '1' },
    {
      jsonSchemaValidator: validator,
      instructions:
        'The status bus of a multi-agent system: read_progress says what every agent is doing ' +
        'and what happened since a position; resume with the last_seq it answers.',
    },
  );
  const report = createReadProgressTool(bus);

  server.registerTool(
    'read_progress',
    {
      title: 'Read progress',
      description:
        'What every agent is doing now and what happened recently, as a short report, with the ' +
        'entries themselves in structuredContent. Give after_seq (a last_seq from an earlier ' +
        'call) to get exactly the entries after it.',
      inputSchema: readProgressInput,
      outputSchema: readProgressOutput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => {
      const filter = { roomId: args.room_id, agentId: args.agent_id, status: args.status };
      const limit = args.limit ?? 8;
      try {
        // Read first: every entry up to it is visible, so a reader that got fewer than `limit`
        // entries has seen everything up to it.
        const newest = await head(bus);
        // A position the bus never handed out: echoing it back as last_seq would make the client
        // skip every entry up to it once the log gets there.
        if (args.after_seq !== undefined && args.after_seq > newest) {
          throw new InvalidStatusQueryError(
            'after_seq',
            `is ${args.after_seq}, beyond the newest position ${newest}: pass a last_seq this ` +
              'bus answered, or leave after_seq out to read the latest entries',
          );
        }
        const entries =
          args.after_seq === undefined
            ? await bus.recent(limit, filter)
            : await bus.entriesAfter(args.after_seq, limit, filter);
        const last = entries[entries.length - 1]?.seq ?? 0;
        const complete = entries.length < limit || args.after_seq === undefined;
        const lastSeq = Math.max(complete ? newest : 0, last, args.after_seq ?? 0);
        const text = await report.handler({ room_id: args.room_id });
        return {
          content: [{ type: 'text', text }],
          structuredContent: { entries: entries.map((e) => e.toJSON()), last_seq: lastSeq },
        };
      } catch (err) {
        return toolError(err);
      }
    },
  );

  if (options.allowPost) {
    server.registerTool(
      'post_status',
      {
        title: 'Post status',
        description:
          'Posts a status entry on the bus, for every agent to see; answers the stored entry.',
        inputSchema: postStatusInput,
        outputSchema: wireEntry.shape,
      },
      async (args) => {
        try {
          const stored: StatusEntry = await bus.postAsync(
            args.agent_id,
            args.action,
            args.status as StatusLevel,
            { detail: args.detail, metadata: args.metadata, roomId: args.room_id },
          );
          const json = stored.toJSON();
          return {
            content: [{ type: 'text', text: `Stored as seq ${stored.seq}.` }],
            structuredContent: { ...json },
          };
        } catch (err) {
          return toolError(err);
        }
      },
    );
  }

  server.registerResource(
    'room-board',
    new ResourceTemplate('status://rooms/{room_id}/snapshot', {
      list: async () => {
        const rooms = new Set((await bus.snapshot()).map((a) => a.roomId));
        return {
          resources: [...rooms].map((room) => ({
            uri: `status://rooms/${encodeURIComponent(room)}/snapshot`,
            name: `Board of room ${room}`,
            mimeType: 'application/json',
          })),
        };
      },
    }),
    {
      title: 'Room board',
      description: "Every agent's latest entry in the room",
      mimeType: 'application/json',
    },
    async (uri, variables) => {
      const room = decodeURIComponent(String(variables.room_id));
      const agents = (await bus.snapshot({ roomId: room })).map(agentSnapshotJson);
      return {
        contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(agents) }],
      };
    },
  );
  // Stateless: a server lives for one request, so it can never tell a client that its lists
  // changed, and says so (the SDK advertises listChanged as it registers them).
  server.server.registerCapabilities({
    tools: { listChanged: false },
    resources: { listChanged: false },
  });
  return server;
}
