import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ClusterCommand, ClusterState } from '../domain/cluster/decide';
import type { ClusterEvent } from '../domain/cluster/events';
import type { GraphCommand } from '../domain/graph/commands';
import type { GraphEvent } from '../domain/graph/events';
import type { GraphState } from '../domain/graph/state';
import type { CommandContext, CommandResult } from '../application/command-handler';
import type { Runtime } from './runtime';
import { RUNTIME } from './runtime.token';

/** A graph command on the CommandBus, with who sent it and why. */
export class ExecuteGraphCommand extends Command<CommandResult<GraphEvent, GraphState>> {
  constructor(
    readonly command: GraphCommand,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class ExecuteClusterCommand extends Command<CommandResult<ClusterEvent, ClusterState>> {
  constructor(
    readonly command: ClusterCommand,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ExecuteGraphCommand)
export class ExecuteGraphCommandHandler implements ICommandHandler<ExecuteGraphCommand> {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  execute({ command, context }: ExecuteGraphCommand) {
    return this.runtime.graphs.execute(command, context);
  }
}

@CommandHandler(ExecuteClusterCommand)
export class ExecuteClusterCommandHandler implements ICommandHandler<ExecuteClusterCommand> {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  execute({ command, context }: ExecuteClusterCommand) {
    return this.runtime.clusters.execute(command, context);
  }
}
