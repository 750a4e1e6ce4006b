import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RUNTIME } from '../app/runtime.token';
import type { Runtime } from '../app/runtime';
import { DurableProcessing } from '../app/processing.composition';
import { ApiJson, ApiProblems } from './openapi/responses';
import { PROBLEM_CONTENT_TYPE, titleOf, type ProblemDetails } from './problem';
import { shape } from './openapi/schemas';

type Check = { status: 'up' | 'down'; adapter: string; error?: string };

const CHECK_TIMEOUT_MS = 2000;

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly durable: DurableProcessing,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Readiness and liveness: stores, processor lag, simulated integrations' })
  @ApiJson(200, 'SMO is up (status ok or degraded)', 'Health')
  @ApiJson(503, 'A store is down (status down)', 'Health')
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    const [eventStore, readStore] = await Promise.all([
      this.check(this.runtime.eventStore.adapter, () => this.runtime.eventStore.headPosition()),
      this.check(this.runtime.readStore.adapter, () => this.runtime.readStore.getCheckpoint('health')),
    ]);
    const processing = await this.runtime.processing.report();
    const down = eventStore.status === 'down' || readStore.status === 'down';
    const sync = this.durable.clusterSync.status();
    const scaling = this.durable.scaling?.status() ?? null;
    const degraded =
      processing.some((runner) => runner.state === 'failing' || runner.parkedEvents > 0) || sync.consecutiveFailures > 0 || (scaling?.consecutiveFailures ?? 0) > 0;
    const status = down ? 'down' : degraded ? 'degraded' : 'ok';
    void reply.status(down ? 503 : 200);
    return {
      status,
      startedAt: this.runtime.startedAt.toISOString(),
      uptimeSeconds: Math.round((Date.now() - this.runtime.startedAt.getTime()) / 1000),
      stores: { eventStore, readStore },
      processing,
      clusterSync: sync,
      scaling,
      integrations: this.runtime.integrations.modes,
    };
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiJson(200, 'Alive', shape({ status: { type: 'string', enum: ['ok'] } }))
  @Header('cache-control', 'no-store')
  live() {
    return { status: 'ok' };
  }

  /**
   * Readiness, for a load balancer or a Kubernetes readinessProbe: whether to route requests here. Not while a
   * store cannot be reached, nor while the read models catch up with the events recorded before this start
   * (the query routes would answer from behind). Open like /health/live whatever SMO_PROTECT_OPERATIONS says
   * (a probe carries no token), so it names no store error: /health has the details.
   */
  @Get('ready')
  @ApiOperation({ summary: 'Readiness: the stores answer and the read models have caught up since the start' })
  @ApiJson(200, 'Ready: route requests here', shape({ status: { type: 'string', enum: ['ready'] } }))
  @ApiProblems(503)
  @Header('cache-control', 'no-store')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<{ status: 'ready' } | ProblemDetails> {
    const [eventStore, readStore] = await Promise.all([
      this.check(this.runtime.eventStore.adapter, () => this.runtime.eventStore.headPosition()),
      this.check(this.runtime.readStore.adapter, () => this.runtime.readStore.getCheckpoint('health')),
    ]);
    const reasons = [
      ...(eventStore.status === 'down' ? ['the event store does not answer'] : []),
      ...(readStore.status === 'down' ? ['the read store does not answer'] : []),
      ...(this.runtime.processing.caughtUpAtStart() ? [] : ['the read models are catching up with the events recorded before this start']),
    ];
    if (reasons.length === 0) return { status: 'ready' };
    void reply.status(503).header('content-type', PROBLEM_CONTENT_TYPE).header('retry-after', '5');
    return { type: 'about:blank', title: titleOf(503), status: 503, detail: `Not ready: ${reasons.join('; ')} (GET /health tells more)` };
  }

  private async check(adapter: string, probe: () => Promise<unknown>): Promise<Check> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([probe(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS)))]);
      return { status: 'up', adapter };
    } catch (error) {
      return { status: 'down', adapter, error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer); // a probe answered in time leaves no timer behind (a probe every few seconds, or a burst of them)
    }
  }
}
