import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RUNTIME } from '../app/runtime.token';
import type { Runtime } from '../app/runtime';

@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @Get()
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    const { registry } = this.runtime.metrics;
    await reply.header('content-type', registry.contentType).send(await registry.metrics());
  }
}
