import {
  Body,
  Controller,
  Get,
  Header,
  Headers,
  HttpCode,
  HttpException,
  HttpStatus,
  Inject,
  Post,
  Query,
  Req,
  Res,
  SetMetadata,
  Type,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from './openapi.decorators';
import { StatusFilter } from '../backends/status-backend';
import { StatusEntryJson } from '../entry/status-entry';
import { STATUS_LEVELS, StatusLevel } from '../entry/status-level';
import { InvalidStatusQueryError } from '../errors/status-bus.errors';
import { STATUS_BUS_SERVICE } from '../status-bus.constants';
import { StatusBusService } from '../status-bus.service';
import {
  AgentSnapshotDto,
  PostStatusEntryDto,
  StatusEntryResponseDto,
} from './post-status-entry.dto';
import { agentSnapshotJson, AgentSnapshotJson } from '../snapshot/agent-snapshot';
import type { ResolvedStatusAdminOptions } from './resolve-admin-options';
import { STATUS_ADMIN_OPTIONS } from './status-admin.constants';
import { SERVES_OWN_LOGIN, StatusAdminGuard, UNAUTHORIZED_REQUESTS } from './status-admin.guard';
import { StatusBusExceptionFilter } from './status-bus-exception.filter';
import { renderStatusDashboard } from './status-dashboard.page';
import { readPostBody } from './post-body';
import { rawHttp } from './raw-http';
import { StatusStreams } from './status-streams';

/** Parses `n` from a query string; absent means the default. */
function countParam(raw: string | undefined, fallback = 10): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) {
    throw new InvalidStatusQueryError('n', `must be an integer from 1 to 10000, got "${raw}"`);
  }
  return n;
}

/** A filter from query parameters; empty ones mean no filter. */
function filterParams(agentId?: string, status?: string, roomId?: string): StatusFilter {
  return {
    agentId: agentId || undefined,
    status: (status || undefined) as StatusLevel | undefined,
    roomId: roomId || undefined,
  };
}

/**
 * Builds the admin controller at `path`. A factory, because Nest fixes a controller's path
 * when its class is decorated and the path is a module option.
 */
export function createStatusAdminController(path: string): Type<unknown> {
  @ApiTags('status')
  @ApiBearerAuth()
  @Controller(path)
  @UseGuards(StatusAdminGuard)
  @UseFilters(StatusBusExceptionFilter)
  class StatusAdminController {
    constructor(
      @Inject(STATUS_BUS_SERVICE) private readonly bus: StatusBusService,
      private readonly streams: StatusStreams,
      @Inject(STATUS_ADMIN_OPTIONS) private readonly options: ResolvedStatusAdminOptions,
    ) {}

    @Get('recent')
    @ApiQuery({ name: 'n', required: false, description: 'How many, 1 to 10000 (default 10)' })
    @ApiQuery({ name: 'agent_id', required: false })
    @ApiQuery({ name: 'status', required: false, enum: STATUS_LEVELS })
    @ApiQuery({ name: 'room_id', required: false })
    @ApiOkResponse({ type: [StatusEntryResponseDto], description: 'Oldest first' })
    async recent(
      @Query('n') n?: string,
      @Query('agent_id') agentId?: string,
      @Query('status') status?: string,
      @Query('room_id') roomId?: string,
    ): Promise<StatusEntryJson[]> {
      const entries = await this.bus.recent(countParam(n), filterParams(agentId, status, roomId));
      return entries.map((e) => e.toJSON());
    }

    @Get('snapshot')
    @ApiQuery({ name: 'room_id', required: false })
    @ApiOkResponse({
      type: [AgentSnapshotDto],
      description: 'Every agent’s latest entry, per room',
    })
    async snapshot(@Query('room_id') roomId?: string): Promise<AgentSnapshotJson[]> {
      // The wire's field names, as entries, MCP and AG-UI have them.
      return (await this.bus.snapshot({ roomId: roomId || undefined })).map(agentSnapshotJson);
    }

    @Get('recent/text')
    @Header('Content-Type', 'text/plain; charset=utf-8')
    @ApiQuery({ name: 'n', required: false })
    @ApiQuery({ name: 'room_id', required: false })
    @ApiProduces('text/plain')
    @ApiOkResponse({ type: String, description: 'One line per entry, the reference format' })
    recentText(@Query('n') n?: string, @Query('room_id') roomId?: string): Promise<string> {
      return this.bus.recentText(countParam(n), filterParams(undefined, undefined, roomId));
    }

    @Get('summary')
    @Header('Content-Type', 'text/plain; charset=utf-8')
    @ApiQuery({ name: 'room_id', required: false })
    @ApiProduces('text/plain')
    @ApiOkResponse({ type: String, description: 'The session summary, the reference format' })
    summary(@Query('room_id') roomId?: string): Promise<string> {
      return this.bus.summary(undefined, filterParams(undefined, undefined, roomId));
    }

    @Post()
    @HttpCode(HttpStatus.CREATED)
    @ApiBody({ type: PostStatusEntryDto })
    @ApiCreatedResponse({ type: StatusEntryResponseDto, description: 'The stored entry' })
    async post(
      @Body() body: unknown,
      @Headers('content-length') contentLength?: string,
    ): Promise<StatusEntryJson> {
      if (!this.options.allowPost) {
        throw new HttpException(
          'Posting over HTTP is disabled (admin.allowPost: false)',
          HttpStatus.METHOD_NOT_ALLOWED,
        );
      }
      const post = readPostBody(body, contentLength, this.options.maxBodyBytes);
      const entry = await this.bus.postAsync(post.agent_id, post.action, post.status, {
        detail: post.detail,
        metadata: post.metadata,
        roomId: post.room_id,
      });
      return entry.toJSON();
    }

    @Get('stream')
    @ApiQuery({ name: 'agent_id', required: false })
    @ApiQuery({ name: 'status', required: false, enum: STATUS_LEVELS })
    @ApiQuery({ name: 'room_id', required: false })
    @ApiProduces('text/event-stream')
    @ApiOkResponse({ description: 'Server-Sent Events; id is the seq; resumes from Last-Event-ID' })
    async stream(
      @Req() request: unknown,
      @Res() response: unknown,
      @Query('agent_id') agentId?: string,
      @Query('status') status?: string,
      @Query('room_id') roomId?: string,
      @Headers('last-event-id') lastEventId?: string,
    ): Promise<void> {
      let resumeAfter: number | undefined;
      if (lastEventId !== undefined && lastEventId !== '') {
        resumeAfter = Number(lastEventId);
        if (!/^\d+$/.test(lastEventId) || !Number.isSafeInteger(resumeAfter)) {
          throw new InvalidStatusQueryError(
            'Last-Event-ID',
            `must be a seq (an integer ≥ 0), got ${JSON.stringify(lastEventId.slice(0, 40))}`,
          );
        }
      }
      await this.streams.serve(rawHttp(request, response), {
        filter: filterParams(agentId, status, roomId),
        lastEventId: resumeAfter,
      });
    }

    @Get('dashboard')
    @SetMetadata(SERVES_OWN_LOGIN, true)
    @ApiProduces('text/html')
    @ApiOkResponse({ description: 'The live dashboard page' })
    dashboard(@Req() request: object, @Res() response: unknown): void {
      // The page holds no data. Without a token it still comes (with 401), so the browser can
      // show its token form; every request for data then carries the token.
      const authorized = !UNAUTHORIZED_REQUESTS.has(request);
      const http = rawHttp(request, response);
      http.takeOver();
      const page = renderStatusDashboard(path);
      http.response.writeHead(authorized ? HttpStatus.OK : HttpStatus.UNAUTHORIZED, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': Buffer.byteLength(page),
        'Content-Security-Policy':
          "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
      });
      http.response.end(page);
    }
  }
  return StatusAdminController;
}
