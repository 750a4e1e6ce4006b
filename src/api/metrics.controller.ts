import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Metrics } from '../observability/metrics';

/** Injected with what it uses (the Metrics), not the whole runtime. */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly prometheus: Metrics) {}

  @Get()
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    const { registry } = this.prometheus;
    await reply.header('content-type', registry.contentType).send(await registry.metrics());
  }
}
