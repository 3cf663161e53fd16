import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
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
  catch(error: StatusBusError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const badInput =
      error instanceof InvalidStatusEntryError || error instanceof InvalidStatusQueryError;
    const status = badInput ? HttpStatus.BAD_REQUEST : HttpStatus.SERVICE_UNAVAILABLE;
    response.status(status).json({
      statusCode: status,
      error: badInput ? 'Bad Request' : 'Service Unavailable',
      message: error.message,
    });
  }
}
