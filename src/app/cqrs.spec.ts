import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import type { INestApplicationContext } from '@nestjs/common';
import type { CommandContext } from '../application/command-handler';
import { AlertLog } from '../application/alert-log';
import { ClusterCommands } from '../application/cluster-commands';
import { GraphCommands } from '../application/graph-commands';
import { NfvclCalls } from '../application/nfvcl-calls';
import { OsK8sClusterCommands } from '../application/os-k8s-cluster-commands';
import { VimCommands } from '../application/vim-commands';
import { DomainError } from '../domain/decider';
import type { ClusterCommand } from '../domain/cluster/decide';
import type { GraphCommand } from '../domain/graph/commands';
import type { NfvclCallCommand } from '../domain/nfvcl-call/decide';
import type { OsK8sClusterCommand } from '../domain/os-k8s-cluster/commands';
import { MemoryEventStore } from '../eventstore/memory-event-store';
import { MemoryReadStore } from '../readstore/memory-read-store';
import {
  CLUSTER_USE_CASES,
  COMMAND_HANDLERS,
  clusterUseCaseOf,
  GRAPH_USE_CASES,
  graphUseCaseOf,
  NFVCL_CALL_USE_CASES,
  nfvclCallUseCaseOf,
  OS_K8S_CLUSTER_USE_CASES,
  osK8sClusterUseCaseOf,
  RemoveVim,
  StopGraph,
} from './cqrs';

const context = (commandId: string) => ({ commandId, correlationId: 'c', actor: 'test', now: new Date('2026-01-01T00:00:00Z') });

describe('the CommandBus', () => {
  let app: INestApplicationContext;
  let bus: CommandBus;
  let store: MemoryEventStore;

  beforeAll(async () => {
    store = new MemoryEventStore();
    @Module({
      imports: [CqrsModule.forRoot()],
      providers: [
        { provide: GraphCommands, useValue: new GraphCommands(store) },
        { provide: ClusterCommands, useValue: new ClusterCommands(store) },
        { provide: OsK8sClusterCommands, useValue: new OsK8sClusterCommands(store) },
        { provide: VimCommands, useValue: new VimCommands(store, new MemoryReadStore()) },
        { provide: NfvclCalls, useValue: new NfvclCalls(store) },
        { provide: AlertLog, useValue: new AlertLog(store) },
        ...COMMAND_HANDLERS,
      ],
    })
    class BusModule {}
    app = await NestFactory.createApplicationContext(BusModule, { logger: false, abortOnError: false });
    await app.init();
    bus = app.get(CommandBus);
  });
  afterAll(() => app.close());

  it('wraps a domain command in its use case and back', () => {
    const command: GraphCommand = { type: 'RetryDeployment', data: { graphId: 'g', serviceIds: ['a'] } };
    const useCase = graphUseCaseOf(command, context('1'));
    expect(useCase.constructor.name).toBe('RetryDeployment');
    expect(useCase.command).toEqual(command);
    expect(new StopGraph({ data: { graphId: 'g' } }, context('2')).command).toEqual({ type: 'StopGraph', data: { graphId: 'g' } });
  });

  it('reaches the aggregate through the use case handler: a graph that does not exist cannot be stopped', async () => {
    await expect(bus.execute(new StopGraph({ data: { graphId: 'nowhere' } }, context('3')))).rejects.toBeInstanceOf(DomainError);
    await expect(bus.execute(new RemoveVim({ vimId: 7, nfvclResponse: null }, context('4')))).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('has a handler for every use case (a missing one would answer CommandHandlerNotFoundException)', async () => {
    // Every type of every use-case map, with data that names nothing that exists.
    const data = { graphId: 'missing', name: 'gone', uid: 'u', url: '/d', smoId: 'OS_K8S_0_zzzzz', callId: 'none', addedWorkers: 1, taskId: null, nfvclResponse: null, reason: 'requested', kind: 'refused', status: null, detail: '' };
    const of = <C>(map: object, wrap: (command: C, context: CommandContext) => { constructor: { name: string } }, prefix: string) =>
      Object.keys(map).map((type, i) => wrap({ type, data } as C, context(`${prefix}${i}`)));
    const useCases = [
      ...of<GraphCommand>(GRAPH_USE_CASES, graphUseCaseOf, 'g'),
      ...of<ClusterCommand>(CLUSTER_USE_CASES, clusterUseCaseOf, 'c'),
      ...of<OsK8sClusterCommand>(OS_K8S_CLUSTER_USE_CASES, osK8sClusterUseCaseOf, 'o'),
      ...of<NfvclCallCommand>(NFVCL_CALL_USE_CASES, nfvclCallUseCaseOf, 'n'),
    ];
    expect(useCases.length).toBeGreaterThan(30);
    for (const useCase of useCases) {
      const outcome = await Promise.resolve().then(() => bus.execute(useCase)).then(
        () => 'handled',
        (error: unknown) => (error instanceof Error ? error.constructor.name : 'thrown'),
      );
      expect([useCase.constructor.name, outcome]).not.toEqual([useCase.constructor.name, 'CommandHandlerNotFoundException']);
    }
  });
});
