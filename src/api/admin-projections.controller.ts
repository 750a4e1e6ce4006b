import { Controller, Get, Headers, HttpCode, HttpStatus, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RUNTIME } from '../app/runtime.token';
import type { Runtime } from '../app/runtime';
import { UnknownProjectionError } from '../processing/processing-host';
import { RebuildInProgressError, type RebuildReport } from '../processing/projection-runner';
import { ApiJson, ApiPreferHeader, ApiProblems, ApiStringParam } from './openapi/responses';
import { shape } from './openapi/schemas';
import { ProblemException } from './problem';

@ApiTags('operations')
@Controller('admin/projections')
export class AdminProjectionsController {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @Get()
  @ApiOperation({ summary: 'Projections with their position, lag and any rebuild in progress' })
  @ApiJson(200, 'Every projection', ['RunnerReport'])
  async list() {
    return (await this.runtime.processing.report()).filter((runner) => runner.kind === 'projection');
  }

  @Get(':name')
  @ApiOperation({ summary: 'One projection' })
  @ApiStringParam('name', 'the projection')
  @ApiJson(200, 'The projection', 'RunnerReport')
  @ApiProblems(404)
  async get(@Param('name') name: string) {
    const found = (await this.list()).find((runner) => runner.name === name);
    if (!found) throw ProblemException.of(HttpStatus.NOT_FOUND, `No projection named ${name}`);
    return found;
  }

  @Post(':name/rebuild')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Rebuild a projection blue/green: replay into a new collection version, then switch',
    description: 'Answers when the rebuild is done, or at once with 202 when the request has `Prefer: respond-async`. 409 when a rebuild of it is running, or when the projection runs on another SMO instance (this one stands by: send the request there; the rebuild switches collections while holding the live loop, which only the instance holding the lease runs).',
  })
  @ApiStringParam('name', 'the projection')
  @ApiPreferHeader()
  @ApiJson(200, 'Rebuild report with events/s', shape({ status: { type: 'string', enum: ['rebuilt'] }, projection: { type: 'string' }, eventsPerSecond: { type: 'number' } }, ['status', 'projection']))
  @ApiJson(202, 'Rebuild started; follow Location for progress', shape({ projection: { type: 'string' }, status: { type: 'string', enum: ['rebuilding'] } }), ['location'])
  @ApiProblems(404, 409)
  async rebuild(@Param('name') name: string, @Headers('prefer') prefer: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    let rebuild: Promise<RebuildReport>;
    try {
      rebuild = this.runtime.processing.rebuild(name);
    } catch (error) {
      throw rebuildProblem(error);
    }
    if (prefer?.toLowerCase().includes('respond-async')) {
      rebuild.catch((error: unknown) => this.runtime.logger.error({ projection: name, err: error }, 'rebuild failed'));
      void reply.status(HttpStatus.ACCEPTED).header('location', `/admin/projections/${encodeURIComponent(name)}`);
      return { projection: name, status: 'rebuilding' };
    }
    try {
      return { status: 'rebuilt', ...(await rebuild) };
    } catch (error) {
      throw rebuildProblem(error);
    }
  }
}

/** A rebuild refused: unknown → 404, one already running → 409 (the projection's lease held by another instance: the problem filter's 409). */
function rebuildProblem(error: unknown): unknown {
  if (error instanceof UnknownProjectionError) return ProblemException.of(HttpStatus.NOT_FOUND, error.message);
  if (error instanceof RebuildInProgressError) return ProblemException.of(HttpStatus.CONFLICT, error.message);
  return error;
}
