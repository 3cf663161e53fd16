import {
  Body,
  Controller,
  Delete,
  Get,
  HttpStatus,
  Inject,
  Post,
  Req,
  Res,
  Type,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { STATUS_BUS_SERVICE } from '../../status-bus.constants';
import { StatusBusService } from '../../status-bus.service';
import { ApiBearerAuth, ApiTags } from '../openapi.decorators';
import { rawHttp } from '../raw-http';
import type { ResolvedStatusAdminOptions } from '../resolve-admin-options';
import { STATUS_ADMIN_OPTIONS } from '../status-admin.constants';
import { StatusAdminGuard } from '../status-admin.guard';
import { StatusBusExceptionFilter } from '../status-bus-exception.filter';
import { createStatusMcpServer } from './status-mcp.server';

/**
 * `{path}/mcp`: the bus as a Model Context Protocol server, on the SDK's Streamable HTTP
 * transport in stateless mode (a server per request, JSON answers): any instance answers any
 * call, behind the admin API's token.
 */
export function createStatusMcpController(path: string): Type<unknown> {
  @ApiTags('status')
  @ApiBearerAuth()
  @Controller(path)
  @UseGuards(StatusAdminGuard)
  @UseFilters(StatusBusExceptionFilter)
  class StatusMcpController {
    constructor(
      @Inject(STATUS_BUS_SERVICE) private readonly bus: StatusBusService,
      @Inject(STATUS_ADMIN_OPTIONS) private readonly options: ResolvedStatusAdminOptions,
    ) {}

    @Post('mcp')
    async call(@Req() request: unknown, @Res() response: unknown, @Body() body: unknown) {
      const http = rawHttp(request, response);
      http.takeOver();
      const server = createStatusMcpServer(this.bus, { allowPost: this.options.allowPost });
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      http.response.once('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(http.request, http.response, body);
    }

    /** A stateless server has no stream to open. */
    @Get('mcp')
    refuseStream(@Req() request: unknown, @Res() response: unknown): void {
      this.refuse(request, response);
    }

    /** A stateless server has no session to end. */
    @Delete('mcp')
    refuseDelete(@Req() request: unknown, @Res() response: unknown): void {
      this.refuse(request, response);
    }

    // One route per decorated handler: two method decorators on one handler register one.
    private refuse(request: unknown, response: unknown): void {
      const http = rawHttp(request, response);
      http.takeOver();
      http.response.writeHead(HttpStatus.METHOD_NOT_ALLOWED, {
        'Content-Type': 'application/json',
        Allow: 'POST',
      });
      http.response.end(
        JSON.stringify({
          jsonrpc: '2.0',
          error: {
            code: -32000,
            message: 'Method not allowed: this MCP server is stateless; send POST requests',
          },
          id: null,
        }),
      );
    }
  }
  return StatusMcpController;
}
