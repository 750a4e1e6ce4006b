import { Controller, Get, Headers, HttpCode, HttpStatus, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RUNTIME } from '../app/runtime.token';
import type { Runtime } from '../app/runtime';
import { UnknownProjectionError } from '../processing/processing-host';
import { RebuildInProgressError } from '../processing/projection-runner';
import { ProblemException } from './problem';

@ApiTags('operations')
@Controller('admin/projections')
export class AdminProjectionsController {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @Get()
  @ApiOperation({ summary: 'Projections with their position, lag and any rebuild in progress' })
  async list() {
    return (await this.runtime.processing.report()).filter((runner) => runner.kind === 'projection');
  }

  @Get(':name')
  @ApiOperation({ summary: 'One projection' })
  @ApiNotFoundResponse({ description: 'No such projection' })
  async get(@Param('name') name: string) {
    const found = (await this.list()).find((runner) => runner.name === name);
    if (!found) throw ProblemException.of(HttpStatus.NOT_FOUND, `No projection named ${name}`);
    return found;
  }

  @Post(':name/rebuild')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Rebuild a projection blue/green: replay into a new collection version, then switch',
    description: 'Answers when the rebuild is done, or at once with 202 when the request has `Prefer: respond-async`.',
  })
  @ApiHeader({ name: 'Prefer', required: false, description: 'respond-async' })
  @ApiOkResponse({ description: 'Rebuild report with events/s' })
  @ApiAcceptedResponse({ description: 'Rebuild started; follow Location for progress' })
  async rebuild(@Param('name') name: string, @Headers('prefer') prefer: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    if ((await this.get(name)).rebuild) throw ProblemException.of(HttpStatus.CONFLICT, `A rebuild of ${name} is already running`);
    const rebuild = this.runtime.processing.rebuild(name);
    if (prefer?.toLowerCase().includes('respond-async')) {
      rebuild.catch((error: unknown) => this.runtime.logger.error({ projection: name, err: error }, 'rebuild failed'));
      void reply.status(HttpStatus.ACCEPTED).header('location', `/admin/projections/${encodeURIComponent(name)}`);
      return { projection: name, status: 'rebuilding' };
    }
    try {
      return { status: 'rebuilt', ...(await rebuild) };
    } catch (error) {
      if (error instanceof RebuildInProgressError) throw ProblemException.of(HttpStatus.CONFLICT, error.message);
      if (error instanceof UnknownProjectionError) throw ProblemException.of(HttpStatus.NOT_FOUND, error.message);
      throw error;
    }
  }
}
