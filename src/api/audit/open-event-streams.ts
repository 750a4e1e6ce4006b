import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Runtime } from '../../app/runtime';
import { RUNTIME } from '../../app/runtime.token';

/**
 * The Server-Sent Event streams being served. They never end by themselves, and the HTTP server
 * waits for every open response before it closes, so on shutdown each is ended first. At most
 * SMO_MAX_EVENT_STREAMS are open at once: each holds a connection and a subscription to the store.
 */
@Injectable()
export class OpenEventStreams implements BeforeApplicationShutdown {
  private readonly ends = new Set<() => void>();
  private closing = false;
  readonly limit: number;

  constructor(@Inject(RUNTIME) runtime: Pick<Runtime, 'config'>) {
    this.limit = runtime.config.security.maxEventStreams;
  }

  /** Whether another stream would be over the limit (checked in the same turn as its `add`). */
  get full(): boolean {
    return this.ends.size >= this.limit;
  }

  /** Registers how to end one stream; returns its removal. A stream opened during shutdown is ended at once. */
  add(end: () => void): () => void {
    if (this.closing) {
      end();
      return () => undefined;
    }
    this.ends.add(end);
    return () => this.ends.delete(end);
  }

  beforeApplicationShutdown(): void {
    this.closing = true;
    for (const end of this.ends) end();
    this.ends.clear();
  }
}
