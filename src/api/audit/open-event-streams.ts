import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';

/**
 * The Server-Sent Event streams being served. They never end by themselves, and the HTTP server
 * waits for every open response before it closes, so on shutdown each is ended first.
 */
@Injectable()
export class OpenEventStreams implements BeforeApplicationShutdown {
  private readonly ends = new Set<() => void>();
  private closing = false;

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
