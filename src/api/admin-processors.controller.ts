import { Controller, Get, HttpCode, HttpStatus, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RUNTIME } from '../app/runtime.token';
import type { Runtime } from '../app/runtime';
import { UnknownProcessorError } from '../processing/processing-host';
import { MAX_REDRIVE_PAGE, ProcessorNotRunningError, REDRIVE_PAGE, UnknownParkedEventError } from '../processing/processor-runner';
import { LeaseLostError } from '../readstore/read-store';
import { ApiJson, ApiProblems, ApiQueryParam, ApiStringParam } from './openapi/responses';
import { ProblemException } from './problem';
import { correlationIdOf } from './request-context';
import { wholeNumberParam } from './validation/query-number';
import { parameterProblem } from './query-parameters';

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;
const MAX_REASON_LENGTH = 500;

/**
 * The durable processors and their parked events (those a processor could not handle after its
 * retries): list them, handle them again once the fault is gone, or discard one that can never
 * succeed. Retrying and discarding change state, so they need the operate role (auth.guard.ts).
 */
@ApiTags('operations')
@Controller('admin/processors')
export class AdminProcessorsController {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @Get()
  @ApiOperation({ summary: 'Processors with their position, lag, state and unresolved parked events' })
  @ApiJson(200, 'Every processor', ['RunnerReport'])
  async list() {
    return (await this.runtime.processing.report()).filter((runner) => runner.kind === 'processor');
  }

  @Get(':name/parked')
  @ApiOperation({
    summary: "A page of a processor's unresolved parked events, in $all order",
    description: '`after` keeps the events after that position of `$all` (the `next` link carries it); `total` counts every unresolved one.',
  })
  @ApiStringParam('name', 'the processor')
  @ApiQueryParam('limit', `at most this many (1–${MAX_PAGE}, default ${DEFAULT_PAGE})`, { type: 'integer', minimum: 1, maximum: MAX_PAGE })
  @ApiQueryParam('after', 'only events after this position', { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER })
  @ApiJson(200, 'The page', 'ParkedEventsPage', ['link'])
  @ApiProblems(400, 404)
  async parked(@Param('name') name: string, @Query('limit') limit: string | undefined, @Query('after') after: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const size = wholeNumberParam(limit, 'limit', 1, MAX_PAGE) ?? DEFAULT_PAGE;
    const from = wholeNumberParam(after, 'after', 0, Number.MAX_SAFE_INTEGER);
    const { events, total } = await this.answer(() => this.runtime.processing.parkedEvents(name, { limit: size + 1, ...(from !== undefined ? { after: from } : {}) }));
    const page = events.slice(0, size);
    const next = events.length > size ? `/admin/processors/${encodeURIComponent(name)}/parked?after=${page.at(-1)!.position}&limit=${size}` : null;
    if (next) void reply.header('link', `<${next}>; rel="next"`);
    return { processor: name, total, events: page, next };
  }

  @Post(':name/parked/retry')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: "Handle a processor's unresolved parked events again (or one, by `eventId`)",
    description:
      "Each in $all order, through the processor's own handler with its retry policy, on the instance that holds the processor's lease (409 on another one, 503 while the processor is not running here). " +
      'A success resolves the event (`ParkedEventResolved`); a failure is recorded (`ParkedEventRetryFailed`), reported in `results`, and the event stays parked. A second retry after every event was handled does nothing. ' +
      `At most ${REDRIVE_PAGE} events a request (\`limit\`, up to ${MAX_REDRIVE_PAGE}): \`unresolved\` says how many are left.`,
  })
  @ApiStringParam('name', 'the processor')
  @ApiQueryParam('eventId', 'only this parked event', { type: 'string' })
  @ApiQueryParam('limit', `at most this many events (1–${MAX_REDRIVE_PAGE}, default ${REDRIVE_PAGE})`, { type: 'integer', minimum: 1, maximum: MAX_REDRIVE_PAGE })
  @ApiJson(200, 'What was handled, what failed again', 'ParkedRetryReport')
  @ApiProblems(404, 409, 503)
  async retry(
    @Param('name') name: string,
    @Query('eventId') eventId: string | undefined,
    @Query('limit') limit: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const size = wholeNumberParam(limit, 'limit', 1, MAX_REDRIVE_PAGE);
    return this.answer(() => this.runtime.processing.retryParked(name, { ...(eventId !== undefined ? { eventId } : {}), ...(size !== undefined ? { limit: size } : {}), metadata: this.metadata(request) }), reply);
  }

  @Post(':name/parked/:eventId/discard')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Resolve a parked event without handling it',
    description: 'For an event that can never succeed: `ParkedEventResolved` records the resolution `discarded`, by whom (`api`) and why (`reason`). Nothing is handled.',
  })
  @ApiStringParam('name', 'the processor')
  @ApiStringParam('eventId', 'the parked event')
  @ApiQueryParam('reason', `why (at most ${MAX_REASON_LENGTH} characters)`, { type: 'string', maxLength: MAX_REASON_LENGTH })
  @ApiJson(200, 'The discarded event', 'ParkedDiscard')
  @ApiProblems(400, 404)
  async discard(@Param('name') name: string, @Param('eventId') eventId: string, @Query('reason') reason: string | undefined, @Req() request: FastifyRequest) {
    if (reason !== undefined && reason.length > MAX_REASON_LENGTH) throw parameterProblem('reason', `must be at most ${MAX_REASON_LENGTH} characters`);
    const why = { by: 'api', ...(reason ? { reason } : {}) };
    const event = await this.answer(() => this.runtime.processing.discardParked(name, eventId, why, this.metadata(request)));
    return { processor: name, resolution: 'discarded', ...why, event };
  }

  private metadata(request: FastifyRequest) {
    const correlationId = correlationIdOf(request);
    return { correlationId, actor: 'api' };
  }

  /** The processing errors as problems: unknown → 404, lost the lease meanwhile → 409, not running here → 503 (another instance's lease: the problem filter's 409). */
  private async answer<T>(work: () => Promise<T>, reply?: FastifyReply): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof UnknownProcessorError || error instanceof UnknownParkedEventError) throw ProblemException.of(HttpStatus.NOT_FOUND, error.message);
      if (error instanceof LeaseLostError) throw ProblemException.of(HttpStatus.CONFLICT, `This instance lost the processor's lease during the retry; what was done is recorded. ${error.message}`);
      if (error instanceof ProcessorNotRunningError) {
        void reply?.header('retry-after', '5');
        throw ProblemException.of(HttpStatus.SERVICE_UNAVAILABLE, error.message);
      }
      throw error;
    }
  }
}
