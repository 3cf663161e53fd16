import {
  Body,
  Controller,
  Inject,
  Post,
  Req,
  Res,
  Type,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { STATUS_BUS_SERVICE } from '../../status-bus.constants';
import { StatusBusService } from '../../status-bus.service';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '../openapi.decorators';
import { rawHttp } from '../raw-http';
import { StatusAdminGuard } from '../status-admin.guard';
import { StatusBusExceptionFilter } from '../status-bus-exception.filter';
import { StatusStreams } from '../status-streams';
import { AgUiRunFormat } from './ag-ui-run.format';
import { readRunInput } from './run-agent-input';

/**
 * `POST {path}/ag-ui`: an AG-UI agent endpoint over the bus. The thread is the room; a run
 * sends its state, the entries after `forwardedProps.after_seq`, follows new ones for
 * `forwardedProps.follow_ms`, and finishes. Behind the admin API's token and limits, and ended
 * like its streams on shutdown.
 */
export function createAgUiController(path: string): Type<unknown> {
  @ApiTags('status')
  @ApiBearerAuth()
  @Controller(path)
  @UseGuards(StatusAdminGuard)
  @UseFilters(StatusBusExceptionFilter)
  class StatusAgUiController {
    constructor(
      @Inject(STATUS_BUS_SERVICE) private readonly bus: StatusBusService,
      private readonly streams: StatusStreams,
    ) {}

    @Post('ag-ui')
    @ApiProduces('text/event-stream')
    @ApiOkResponse({ description: 'An AG-UI event stream; each event’s id is a seq' })
    async run(@Req() request: unknown, @Res() response: unknown, @Body() body: unknown) {
      const input = readRunInput(body);
      const roomId = input.threadId;
      await this.streams.serve(rawHttp(request, response), {
        filter: { roomId },
        lastEventId: input.afterSeq,
        startAtHead: input.afterSeq === undefined,
        followMs: input.followMs,
        lostResume: 'event',
        format: new AgUiRunFormat(input, () => this.bus.snapshot({ roomId })),
      });
    }
  }
  return StatusAgUiController;
}
