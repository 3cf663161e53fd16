import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  InvalidStatusEntryError,
  InvalidStatusQueryError,
  StatusBusError,
} from '../errors/status-bus.errors';

/**
 * The HTTP edge of the bus's errors: bad input is a 400 that says what is wrong; anything else
 * the bus reports (closed, buffer full, store unreachable) is a 503, retryable later.
 */
@Catch(StatusBusError)
export class StatusBusExceptionFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: StatusBusError, host: ArgumentsHost): void {
    const response: unknown = host.switchToHttp().getResponse();
    const badInput =
      error instanceof InvalidStatusEntryError || error instanceof InvalidStatusQueryError;
    const status = badInput ? HttpStatus.BAD_REQUEST : HttpStatus.SERVICE_UNAVAILABLE;
    // Through the platform's adapter: Express and Fastify answer differently.
    this.adapterHost.httpAdapter.reply(
      response,
      {
        statusCode: status,
        error: badInput ? 'Bad Request' : 'Service Unavailable',
        message: error.message,
      },
      status,
    );
  }
}
