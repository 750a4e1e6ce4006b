import { Controller, Delete, Get, HttpCode, HttpStatus, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Runtime } from '../../app/runtime';
import { RUNTIME } from '../../app/runtime.token';
import type { CommandContext } from '../../application/command-handler';
import { syncVimsFromNfvcl } from '../../application/nfvcl-sync';
import { topologyBody } from '../../integrations/nfvcl/nfvcl-bodies';
import { Mutex } from '../../shared/mutex';
import type { VimDocument } from '../../../projections/vims.projection';
import { RegisterVim } from '../../app/cqrs';
import { ApiIdempotencyHeader, ApiJson, ApiProblems, ApiQueryParam, ApiStringParam } from '../openapi/responses';
import { arrayOf, schemaRef, shape } from '../openapi/schemas';
import { ProblemException } from '../problem';
import { requestContext } from '../request-context';
import { askNfvcl, FIRST_LOOK_MS, LONGEST_LOOK_MS, nfvclCallDeps, requestedOperation, type OperationOf } from './nfvcl-call';
import { callNfvcl, nfvclWaitMs, requireNfvcl } from './nfvcl-problem';
import { VimNameHeldError } from '../../domain/vim-name/decide';
import { sleep } from '../../shared/retry';
import { badRequest, validBody } from '../validation/request-body';
import { jsonBodyOf, parsePopAreaQuery, toVimRegistration, VimRegistrationBody } from './request-bodies';
import { toVimView, type VimView } from './views';
import { ChangesState } from '../security/auth.guard';

const VIM_EXAMPLE = {
  topology: 'nephele-topology',
  pop_area: 0,
  vim_name: 'os-brussels',
  vim_tenant_name: 'nephele',
  vim_user: 'admin',
  vim_password: '********',
  vim_url: 'http://10.0.0.10:5000/v3',
  mgmt_network: { name: 'mgmt-net', cidr: '192.168.10.0/24', gateway: '192.168.10.1' },
  service_network: { name: 'service-net', cidr: '192.168.20.0/24', gateway: '192.168.20.1' },
  use_floating_ip: true,
};

const SMO_VIM_ID = { type: 'string', pattern: '^[0-9]{1,15}$' };
const SYNCED = shape({ message: { type: 'string' }, vims: arrayOf(schemaRef('VimView')) }, ['message']);

/**
 * Upstream's VIM routes. The password goes to NFVCL in the registration request and
 * nowhere else. B16 fixed: DELETE reaches NFVCL (upstream forgot the base URL), registration
 * answers "VIM created successfully" (upstream: "OS K8S cluster created successfully"), and
 * `?pop_area=` answers every match as a list (upstream: the first one, as an object).
 */
@ApiTags('nfvcl')
@Controller('vims')
export class VimsController {
  /**
   * Syncs run one at a time in this instance. A registration calls NFVCL from the route, not through the
   * NFVCL calls processor, because its request carries the VIM password, which no event may hold: it first
   * reserves the VIM name (an event, on any instance), so only the request holding it calls NFVCL.
   */
  private readonly syncs = new Mutex();

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly commandBus: CommandBus,
  ) {}

  @Get('sync/nfvcl_vims')
  @ChangesState()
  @ApiOperation({ summary: "Register the VIMs of NFVCL's topology that SMO does not know (upstream GET; POST is the same)" })
  @ApiJson(200, 'The VIMs added, or the ones SMO knows', SYNCED)
  @ApiProblems(502, 503, 504)
  syncGet(@Req() request: FastifyRequest) {
    return this.sync(request);
  }

  @Post('sync/nfvcl_vims')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: "Register the VIMs of NFVCL's topology that SMO does not know" })
  @ApiJson(200, 'The VIMs added, or the ones SMO knows', SYNCED)
  @ApiProblems(502, 503, 504)
  syncPost(@Req() request: FastifyRequest) {
    return this.sync(request);
  }

  @Get('smo_vims')
  @ApiOperation({ summary: 'The registered VIMs, all of them or those of one area (a list either way: B16)' })
  @ApiQueryParam('pop_area', 'only the VIMs of this area', { type: 'integer', minimum: 0, maximum: 999_999_999_999_999 })
  @ApiJson(200, 'The VIMs, or a sentence when there are none', { oneOf: [{ type: 'string' }, shape({ 'SMO VIMs': arrayOf(schemaRef('VimView')) })] })
  async list(@Query('pop_area') popAreaQuery: unknown, @Res() reply: FastifyReply): Promise<void> {
    const popArea = parsePopAreaQuery(popAreaQuery);
    if (!popArea.ok) throw badRequest(popArea.problems);
    const docs = await this.registered(popArea.value);
    const body = docs.length === 0 ? 'No Registered VIMs (or check pop_area)' : { 'SMO VIMs': docs.map(toVimView) };
    await reply.status(HttpStatus.OK).type('application/json').send(JSON.stringify(body));
  }

  @Post('smo_vims')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Register an OpenStack VIM with NFVCL (POST /v1/topology), then in SMO',
    description: 'Every key is required. The password is sent to NFVCL only: it is in no event, read model, log line or error.',
  })
  @ApiBody({ type: VimRegistrationBody, examples: { brussels: { summary: 'An OpenStack VIM', value: VIM_EXAMPLE } } })
  @ApiIdempotencyHeader()
  @ApiJson(201, 'Registered', shape({ message: { type: 'string' }, NFVCL_Response: {}, vim: schemaRef('VimView') }), ['location'])
  @ApiProblems(409, 422, 502, 503, 504)
  async register(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const nfvcl = requireNfvcl(this.runtime);
    const vim = toVimRegistration(validBody(VimRegistrationBody, jsonBodyOf(request)));
    const context = requestContext(request, { allowIfMatch: false, keyAcrossRoutes: true });
    const holder = randomUUID();
    const reservedAt = await this.reserveName(vim.vimName, holder, context);
    let vimId: number | null = null;
    try {
      // Every VIM registered before the reservation is in the read model once it has caught up to it.
      await this.caughtUp(reservedAt);
      const earlier = await this.registeredBy(context.commandId);
      if (earlier) {
        void reply.header('location', `/vims/smo_vims/${earlier.doc.vimId}`);
        return { message: 'VIM created successfully', NFVCL_Response: earlier.nfvclResponse, vim: toVimView(earlier.doc) };
      }
      if (await this.nameTaken(vim.vimName)) {
        throw ProblemException.of(HttpStatus.CONFLICT, `VIM with name ${vim.vimName} already exists`);
      }
      // The password is passed in memory to this one call, made by the request that holds the name.
      const answer = await callNfvcl(() => nfvcl.registerVim(topologyBody(vim), [vim.password]));
      const result = await this.commandBus.execute(
        new RegisterVim(
        {
          name: vim.vimName,
          popArea: vim.popArea,
          url: vim.vimUrl,
          vimType: 'Openstack',
          networks: [vim.mgmtNetwork, vim.serviceNetwork],
          mgmtNetwork: vim.mgmtNetwork.name,
          serviceNetwork: vim.serviceNetwork.name,
          useFloatingIp: vim.useFloatingIp,
          topology: vim.topology,
          tenantName: vim.tenantName,
          user: vim.user,
          source: 'api',
          nfvclResponse: answer.body,
        },
        context,
        ),
      );
      vimId = result.vimId;
      await this.caughtUp(result.position);
      void reply.header('location', `/vims/smo_vims/${result.vimId}`);
      return { message: 'VIM created successfully', NFVCL_Response: answer.body, vim: toVimView(await this.find(String(result.vimId))) };
    } finally {
      await this.runtime.vimNames.release(vim.vimName, holder, vimId, context);
    }
  }

  /**
   * Holds the VIM name for this request, on whichever instance it arrived (answers the reservation's position).
   * Another request holding it → 409; the same request (Idempotency-Key) held elsewhere → wait for it, bounded,
   * then answer what it registered.
   */
  private async reserveName(name: string, holder: string, context: CommandContext): Promise<number> {
    const waitMs = nfvclWaitMs(this.runtime);
    const deadline = Date.now() + waitMs;
    for (let look = FIRST_LOOK_MS; ; look = Math.min(look * 2, LONGEST_LOOK_MS)) {
      try {
        return await this.runtime.vimNames.reserve(name, holder, new Date(Date.now() + 2 * waitMs), context);
      } catch (error) {
        if (!(error instanceof VimNameHeldError)) throw error;
        if (error.commandId !== context.commandId) throw ProblemException.of(HttpStatus.CONFLICT, `VIM with name ${name} already exists`);
        if (Date.now() >= deadline) throw ProblemException.of(HttpStatus.GATEWAY_TIMEOUT, 'The same request is still being handled; repeat it with the same Idempotency-Key to follow it');
        await sleep(look);
      }
    }
  }

  @Get('smo_vims/:smoId')
  @ApiOperation({ summary: 'One VIM by its integer id' })
  @ApiStringParam('smoId', 'the VIM id', SMO_VIM_ID)
  @ApiJson(200, 'The VIM', 'VimView')
  @ApiProblems(404)
  async get(@Param('smoId') smoId: string): Promise<VimView> {
    return toVimView(await this.find(smoId));
  }

  @Delete('smo_vims/:smoId')
  @ApiOperation({ summary: 'Remove a VIM from NFVCL (DELETE /v1/topology/vim/{name}), then from SMO' })
  @ApiStringParam('smoId', 'the VIM id', SMO_VIM_ID)
  @ApiJson(200, 'Removed', shape({ message: { type: 'string' }, NFVCL_Response: {} }))
  @ApiProblems(404, 409, 502, 503, 504)
  async remove(@Param('smoId') smoId: string, @Req() request: FastifyRequest) {
    requireNfvcl(this.runtime);
    const context = requestContext(request, { allowIfMatch: false, keyAcrossRoutes: true });
    // B16: upstream called `DELETE /v1/topology/vim/<name>` without the NFVCL base URL.
    const operation = await requestedOperation(this.runtime.nfvclCalls, context, 'delete-vim', (earlier) => String(earlier.vimId) === String(Number(smoId)), () => this.removal(smoId));
    const answer = await askNfvcl(nfvclCallDeps(this.runtime, this.commandBus), operation, context, 'Failed to delete VIM in NFVCL API: ');
    await this.caughtUp(null);
    return { message: `VIM with SMO ID ${operation.vimId} deleted successfully`, NFVCL_Response: answer.nfvclResponse };
  }

  private async removal(smoId: string): Promise<OperationOf<'delete-vim'>> {
    const doc = await this.find(smoId);
    return { kind: 'delete-vim', vimId: doc.vimId, name: doc.name };
  }

  private async sync(request: FastifyRequest) {
    const nfvcl = requireNfvcl(this.runtime);
    const context: CommandContext = requestContext(request, { allowIfMatch: false, keyAcrossRoutes: true });
    const { added } = await this.syncs.run(() =>
      callNfvcl(() => syncVimsFromNfvcl({ nfvcl, registerVim: (data, step) => this.registerSynced(data, step), readStore: this.runtime.readStore }, context)),
    );
    await this.caughtUp(null);
    const docs = await this.registered(null);
    if (added.length > 0) return { message: 'VIMs added successfully', vims: docs.filter((doc) => added.includes(doc.vimId)).map(toVimView) };
    if (docs.length > 0) return { message: 'No new VIMs obtained by the NFVCL. Existing VIMs:', vims: docs.map(toVimView) };
    return { message: 'No new VIMs obtained by the NFVCL and no existing VIMs in the database.' };
  }

  /**
   * A VIM found in NFVCL is registered under the name's reservation too, so a sync does not record a VIM that a
   * registration (on any instance) is recording: a held name, or one registered meanwhile, is skipped (null).
   */
  private async registerSynced(data: RegisterVim['data'], step: CommandContext): Promise<{ vimId: number; repeated: boolean } | null> {
    const holder = randomUUID();
    let reservedAt: number;
    try {
      reservedAt = await this.runtime.vimNames.reserve(data.name, holder, new Date(Date.now() + 2 * nfvclWaitMs(this.runtime)), step);
    } catch (error) {
      if (error instanceof VimNameHeldError) return null;
      throw error;
    }
    let vimId: number | null = null;
    try {
      await this.caughtUp(reservedAt);
      if (await this.nameTaken(data.name)) return null;
      const result = await this.commandBus.execute(new RegisterVim(data, step));
      vimId = result.vimId;
      return result;
    } finally {
      await this.runtime.vimNames.release(data.name, holder, vimId, step);
    }
  }

  private async find(smoId: string): Promise<VimDocument> {
    const found = /^\d{1,15}$/.test(smoId) ? await this.runtime.readStore.get<VimDocument>('vims', String(Number(smoId))) : null;
    if (!found || found.doc.removed) throw ProblemException.of(HttpStatus.NOT_FOUND, `VIM with SMO ID ${smoId} not found`);
    return found.doc;
  }

  private async registered(popArea: number | null): Promise<VimDocument[]> {
    const where: Record<string, number | boolean> = popArea === null ? { removed: false } : { removed: false, popArea };
    const docs = await this.runtime.readStore.find<VimDocument>('vims', { where, orderBy: [{ field: 'vimId' }] });
    return docs.map(({ doc }) => doc);
  }

  /** Whether a registered VIM has this name: the store stops at the first match instead of handing over every VIM. */
  private async nameTaken(name: string): Promise<boolean> {
    return (await this.runtime.readStore.find<VimDocument>('vims', { where: { name, removed: false }, limit: 1 })).length > 0;
  }

  /** The VIM an earlier request with the same Idempotency-Key registered, with NFVCL's answer then. */
  private async registeredBy(commandId: string): Promise<{ doc: VimDocument; nfvclResponse: unknown } | null> {
    const [found] = await this.runtime.readStore.find<VimDocument>('vims', { where: { registeredBy: commandId }, limit: 1 });
    if (!found) return null;
    const { events } = await this.runtime.vims.load(found.doc.vimId);
    const registered = events.find((event) => event.type === 'VimRegistered');
    return { doc: found.doc, nfvclResponse: registered?.type === 'VimRegistered' ? registered.data.nfvclResponse : null };
  }

  /** Read-your-writes: the answer shows the read model after the command. */
  private async caughtUp(position: number | null): Promise<void> {
    const target = position ?? (await this.runtime.eventStore.headPosition()) ?? 0;
    await this.runtime.processing.whenProcessed(target, { names: ['vims'] });
  }
}
