/**
 * A protocol-level fake of EventStoreDB (24.x gRPC API) for the EventStoreDB adapter's contract suite.
 * It serves the `event_store.client.streams.Streams` and `event_store.client.server_features.ServerFeatures`
 * services from the definitions that ship in `@eventstore/db-client`, so the real client talks to it over
 * HTTP/2 exactly as to a server. See README.md next to this file for what it does and does not model.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import { Empty as ProtoEmpty } from 'google-protobuf/google/protobuf/empty_pb';
import { Code } from '@eventstore/db-client/generated/code_pb';
import { SupportedMethod, SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import {
  AllStreamPosition,
  Empty,
  MaximumAppendSizeExceeded,
  StreamDeleted,
  StreamIdentifier,
  UUID,
  WrongExpectedVersion,
} from '@eventstore/db-client/generated/shared_pb';
import { Status } from '@eventstore/db-client/generated/status_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import {
  AppendReq,
  AppendResp,
  BatchAppendReq,
  BatchAppendResp,
  DeleteReq,
  DeleteResp,
  ReadReq,
  ReadResp,
  TombstoneReq,
  TombstoneResp,
} from '@eventstore/db-client/generated/streams_pb';

/** The server's default MaxAppendSize. */
const MAX_APPEND_SIZE = 1_048_576;
/** Bytes a prepare record adds around its payload: positions are log offsets, so they have gaps. */
const RECORD_OVERHEAD = 96;
/** The server's default search window of a filtered read or subscription. */
const DEFAULT_FILTER_WINDOW = 32;
/** `$tb` of a soft-deleted stream (int64 max). */
const TRUNCATE_ALL = '9223372036854775807';

interface LogRecord {
  position: bigint;
  streamId: string;
  revision: number;
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  metadata: Uint8Array;
  createdTicks: string;
}

interface StreamState {
  records: LogRecord[];
  /** Soft delete: revisions below this are hidden; reads of a stream with nothing at or above it fail as not found. */
  truncateBefore: number;
  tombstoned: boolean;
}

type Expected = { kind: 'any' } | { kind: 'no_stream' } | { kind: 'stream_exists' } | { kind: 'revision'; revision: number };

interface Proposed {
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  metadata: Uint8Array;
}

type AppendOutcome =
  | { kind: 'success'; revision: number; position: bigint }
  | { kind: 'wrong_expected_version'; current: number | null; expected: Expected }
  | { kind: 'stream_deleted' }
  | { kind: 'too_big' };

interface Filter {
  on: 'stream' | 'type';
  matches(text: string): boolean;
  checkpointEvery: number;
}

interface LiveSubscriber {
  offer(record: LogRecord): void;
}

export interface FakeEventStoreDb {
  /** Connection string for `EventStoreDBClient.connectionString`. */
  url: string;
  stop(): Promise<void>;
  /** Goes away as a killed server does: every connection dropped at once, no call ended. */
  crash(): void;
}

export async function startFakeEventStoreDb(): Promise<FakeEventStoreDb> {
  const log = new EventLog();
  const server = new grpc.Server();
  server.addService(StreamsService, streamsHandlers(log) as unknown as grpc.UntypedServiceImplementation);
  server.addService(ServerFeaturesService, {
    getSupportedMethods: (_call: grpc.ServerUnaryCall<Empty, SupportedMethods>, callback: grpc.sendUnaryData<SupportedMethods>) => {
      const methods = ['Read', 'Append', 'Delete', 'Tombstone', 'BatchAppend'].map((name) =>
        new SupportedMethod().setServiceName('event_store.client.streams.streams').setMethodName(name.toLowerCase()),
      );
      callback(null, new SupportedMethods().setMethodsList(methods).setEventStoreServerVersion('24.10.0'));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    url: `esdb://127.0.0.1:${port}?tls=false`,
    stop: () =>
      new Promise<void>((resolve) => {
        log.closeSubscriptions();
        server.tryShutdown(() => resolve());
        // Streams the client never cancelled would hold a graceful shutdown forever.
        setTimeout(() => server.forceShutdown(), 1000).unref();
      }),
    crash: () => server.forceShutdown(),
  };
}

/** The transaction log, the stream index built from it, and the live subscribers. */
class EventLog {
  readonly records: LogRecord[] = [];
  readonly streams = new Map<string, StreamState>();
  private readonly recordPositions = new Set<bigint>([0n]);
  private end = 0n;
  private readonly live = new Set<LiveSubscriber>();
  private readonly calls = new Set<grpc.ServerWritableStream<ReadReq, ReadResp>>();

  constructor() {
    // A real log starts with the server's own records: adapters must skip system events.
    this.write('$users', [{ id: randomUUID(), type: '$UserCreated', contentType: 'application/json', data: json({ LoginName: 'admin' }), metadata: new Uint8Array() }]);
    this.write('$user-admin', [{ id: randomUUID(), type: '$User', contentType: 'application/json', data: json({ loginName: 'admin' }), metadata: new Uint8Array() }]);
  }

  get endPosition(): bigint {
    return this.end;
  }

  isValidPosition(position: bigint): boolean {
    return this.recordPositions.has(position) || position === this.end;
  }

  stream(streamId: string): StreamState | undefined {
    return this.streams.get(streamId);
  }

  append(streamId: string, expected: Expected, events: readonly Proposed[]): AppendOutcome {
    if (events.reduce((size, e) => size + e.data.length + e.metadata.length, 0) > MAX_APPEND_SIZE) return { kind: 'too_big' };
    const stream = this.streams.get(streamId);
    if (stream?.tombstoned) return { kind: 'stream_deleted' };
    const last = stream && stream.records.length > 0 ? stream.records[stream.records.length - 1]!.revision : -1;
    const exists = last >= 0 && stream!.truncateBefore <= last;
    const wrong = (): AppendOutcome => ({ kind: 'wrong_expected_version', current: last >= 0 ? last : null, expected });
    const repeat = this.idempotentRepeat(stream, expected, events);
    if (repeat === 'partial') return wrong();
    if (repeat) return { kind: 'success', revision: repeat.revision, position: repeat.position };
    switch (expected.kind) {
      case 'no_stream':
        if (exists) return wrong();
        break;
      case 'stream_exists':
        if (!exists) return wrong();
        break;
      case 'revision':
        if (expected.revision !== last) return wrong();
        break;
      case 'any':
        break;
    }
    if (events.length === 0) return { kind: 'success', revision: last, position: this.end };
    const written = this.write(streamId, events);
    return { kind: 'success', revision: written.revision, position: written.position };
  }

  /**
   * EventStoreDB's idempotence: events already in the stream at the expected place (after the
   * expected revision; anywhere consecutive for ANY/STREAM_EXISTS) acknowledge without writing;
   * a batch that only partly repeats is a wrong expected version.
   */
  private idempotentRepeat(stream: StreamState | undefined, expected: Expected, events: readonly Proposed[]): LogRecord | 'partial' | null {
    if (!stream || events.length === 0) return null;
    const at = (revision: number) => stream.records.find((r) => r.revision === revision);
    let first: number;
    if (expected.kind === 'revision' || expected.kind === 'no_stream') {
      first = expected.kind === 'revision' ? expected.revision + 1 : 0;
      const last = stream.records[stream.records.length - 1]!.revision;
      if (first > last) return null;
    } else {
      const found = stream.records.find((r) => r.id === events[0]!.id);
      if (!found) return events.some((e) => stream.records.some((r) => r.id === e.id)) ? 'partial' : null;
      first = found.revision;
    }
    const matches = events.map((e, i) => at(first + i)?.id === e.id);
    if (matches.every(Boolean)) return at(first + events.length - 1)!;
    return matches.some(Boolean) || expected.kind === 'any' || expected.kind === 'stream_exists' ? 'partial' : null;
  }

  softDelete(streamId: string, expected: Expected): { kind: 'deleted'; position: bigint } | { kind: 'wrong'; current: number | null } | { kind: 'stream_deleted' } {
    const stream = this.streams.get(streamId);
    if (stream?.tombstoned) return { kind: 'stream_deleted' };
    const last = stream && stream.records.length > 0 ? stream.records[stream.records.length - 1]!.revision : -1;
    const exists = last >= 0 && stream!.truncateBefore <= last;
    if (expected.kind === 'revision' && expected.revision !== last) return { kind: 'wrong', current: last >= 0 ? last : null };
    if (expected.kind === 'no_stream' && exists) return { kind: 'wrong', current: last };
    if (expected.kind === 'stream_exists' && !exists) return { kind: 'wrong', current: last >= 0 ? last : null };
    if (stream) stream.truncateBefore = last + 1;
    // The server records a soft delete as stream metadata ($tb = int64 max), visible in $all as a system event.
    const metadata = this.write(`$$${streamId}`, [
      { id: randomUUID(), type: '$metadata', contentType: 'application/json', data: json({ $tb: TRUNCATE_ALL }), metadata: new Uint8Array() },
    ]);
    return { kind: 'deleted', position: metadata.position };
  }

  tombstone(streamId: string, expected: Expected): { kind: 'deleted'; position: bigint } | { kind: 'wrong'; current: number | null } | { kind: 'stream_deleted' } {
    const outcome = this.softDelete(streamId, expected);
    if (outcome.kind !== 'deleted') return outcome;
    const stream = this.streams.get(streamId) ?? { records: [], truncateBefore: 0, tombstoned: false };
    stream.tombstoned = true;
    this.streams.set(streamId, stream);
    const tombstone = this.write(streamId, [{ id: randomUUID(), type: '$streamDeleted', contentType: 'application/octet-stream', data: new Uint8Array(), metadata: new Uint8Array() }]);
    return { kind: 'deleted', position: tombstone.position };
  }

  private write(streamId: string, events: readonly Proposed[]): LogRecord {
    const stream = this.streams.get(streamId) ?? { records: [], truncateBefore: 0, tombstoned: false };
    this.streams.set(streamId, stream);
    let revision = stream.records.length > 0 ? stream.records[stream.records.length - 1]!.revision : -1;
    const createdTicks = (BigInt(Date.now()) * 10_000n).toString();
    const written: LogRecord[] = [];
    for (const event of events) {
      revision += 1;
      const record: LogRecord = { ...event, streamId, revision, position: this.end, createdTicks };
      this.recordPositions.add(record.position);
      this.end += BigInt(RECORD_OVERHEAD + Buffer.byteLength(streamId) + Buffer.byteLength(event.type) + event.data.length + event.metadata.length);
      this.records.push(record);
      stream.records.push(record);
      written.push(record);
    }
    for (const record of written) for (const subscriber of [...this.live]) subscriber.offer(record);
    if (!streamId.startsWith('$')) for (const record of written) this.linkByCorrelation(record);
    return written[written.length - 1]!;
  }

  /** The `$by_correlation_id` system projection: a link event in `$bc-<id>` per event carrying `$correlationId`. */
  private linkByCorrelation(record: LogRecord): void {
    let correlationId: unknown;
    try {
      correlationId = (JSON.parse(Buffer.from(record.metadata).toString('utf8')) as { $correlationId?: unknown }).$correlationId;
    } catch {
      return;
    }
    if (typeof correlationId !== 'string') return;
    const link = `${record.revision}@${record.streamId}`;
    this.write(`$bc-${correlationId}`, [{ id: randomUUID(), type: '$>', contentType: 'application/octet-stream', data: Buffer.from(link), metadata: new Uint8Array() }]);
  }

  /** The event a `$>` link points at (`<revision>@<stream>`), for reads that resolve links. */
  resolveLink(record: LogRecord): LogRecord | undefined {
    if (record.type !== '$>') return undefined;
    const text = Buffer.from(record.data).toString('utf8');
    const at = text.indexOf('@');
    const revision = Number(text.slice(0, at));
    return this.streams.get(text.slice(at + 1))?.records.find((r) => r.revision === revision);
  }

  follow(subscriber: LiveSubscriber, call: grpc.ServerWritableStream<ReadReq, ReadResp>): void {
    this.live.add(subscriber);
    this.calls.add(call);
    const stop = () => {
      this.live.delete(subscriber);
      this.calls.delete(call);
    };
    call.on('cancelled', stop);
    call.on('close', stop);
  }

  closeSubscriptions(): void {
    for (const call of this.calls) call.end();
    this.calls.clear();
    this.live.clear();
  }
}

function streamsHandlers(log: EventLog) {
  return {
    read(call: grpc.ServerWritableStream<ReadReq, ReadResp>) {
      const options = call.request.getOptions();
      if (!options) return call.emit('error', statusError(grpc.status.INVALID_ARGUMENT, 'missing options'));
      try {
        if (options.hasStream()) readStream(log, call, options);
        else readAll(log, call, options);
      } catch (error) {
        call.emit('error', error as Error);
      }
    },

    append(call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>) {
      let streamId = '';
      let expected: Expected = { kind: 'any' };
      const events: Proposed[] = [];
      call.on('data', (request: AppendReq) => {
        const options = request.getOptions();
        if (options) {
          streamId = streamName(options.getStreamIdentifier());
          expected = expectedOf(options.getExpectedStreamRevisionCase(), options.getRevision(), AppendReq.Options.ExpectedStreamRevisionCase);
        }
        const message = request.getProposedMessage();
        if (message) events.push(proposed(message));
      });
      call.on('end', () => {
        const outcome = log.append(streamId, expected, events);
        if (outcome.kind === 'too_big') return callback(maxAppendSizeError());
        if (outcome.kind === 'stream_deleted') return callback(streamDeletedError(streamId));
        const response = new AppendResp();
        if (outcome.kind === 'success') {
          response.setSuccess(
            new AppendResp.Success()
              .setCurrentRevision(String(outcome.revision))
              .setPosition(new AppendResp.Position().setCommitPosition(String(outcome.position)).setPreparePosition(String(outcome.position))),
          );
        } else {
          const wrong = new AppendResp.WrongExpectedVersion();
          if (outcome.current === null) wrong.setCurrentNoStream(new Empty());
          else wrong.setCurrentRevision(String(outcome.current));
          if (outcome.expected.kind === 'revision') wrong.setExpectedRevision(String(outcome.expected.revision));
          else if (outcome.expected.kind === 'no_stream') wrong.setExpectedNoStream(new Empty());
          else if (outcome.expected.kind === 'stream_exists') wrong.setExpectedStreamExists(new Empty());
          else wrong.setExpectedAny(new Empty());
          response.setWrongExpectedVersion(wrong);
        }
        callback(null, response);
      });
    },

    batchAppend(call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>) {
      const pending = new Map<string, { options: BatchAppendReq.Options | undefined; events: Proposed[] }>();
      call.on('data', (request: BatchAppendReq) => {
        const correlation = request.getCorrelationId();
        const key = correlation?.getString() ?? '';
        const batch = pending.get(key) ?? { options: undefined, events: [] };
        pending.set(key, batch);
        batch.options ??= request.getOptions();
        for (const message of request.getProposedMessagesList()) batch.events.push(proposed(message));
        if (!request.getIsFinal()) return;
        pending.delete(key);
        const options = batch.options;
        const streamId = streamName(options?.getStreamIdentifier());
        const expected = options
          ? expectedOf(options.getExpectedStreamPositionCase(), options.getStreamPosition(), BatchAppendReq.Options.ExpectedStreamPositionCase)
          : ({ kind: 'any' } as Expected);
        const outcome = log.append(streamId, expected, batch.events);
        const response = new BatchAppendResp().setCorrelationId(correlation).setStreamIdentifier(identifier(streamId));
        if (outcome.kind === 'success') {
          response.setSuccess(
            new BatchAppendResp.Success()
              .setCurrentRevision(String(outcome.revision))
              .setPosition(new AllStreamPosition().setCommitPosition(String(outcome.position)).setPreparePosition(String(outcome.position))),
          );
        } else {
          response.setError(batchError(outcome, streamId));
        }
        call.write(response);
      });
      call.on('end', () => call.end());
    },

    delete(call: grpc.ServerUnaryCall<DeleteReq, DeleteResp>, callback: grpc.sendUnaryData<DeleteResp>) {
      const options = call.request.getOptions();
      const streamId = streamName(options?.getStreamIdentifier());
      const expected = options
        ? expectedOf(options.getExpectedStreamRevisionCase(), options.getRevision(), DeleteReq.Options.ExpectedStreamRevisionCase)
        : ({ kind: 'any' } as Expected);
      const outcome = log.softDelete(streamId, expected);
      if (outcome.kind === 'wrong') return callback(wrongExpectedVersionError(streamId, expected, outcome.current));
      if (outcome.kind === 'stream_deleted') return callback(streamDeletedError(streamId));
      callback(null, new DeleteResp().setPosition(new DeleteResp.Position().setCommitPosition(String(outcome.position)).setPreparePosition(String(outcome.position))));
    },

    tombstone(call: grpc.ServerUnaryCall<TombstoneReq, TombstoneResp>, callback: grpc.sendUnaryData<TombstoneResp>) {
      const options = call.request.getOptions();
      const streamId = streamName(options?.getStreamIdentifier());
      const expected = options
        ? expectedOf(options.getExpectedStreamRevisionCase(), options.getRevision(), TombstoneReq.Options.ExpectedStreamRevisionCase)
        : ({ kind: 'any' } as Expected);
      const outcome = log.tombstone(streamId, expected);
      if (outcome.kind === 'wrong') return callback(wrongExpectedVersionError(streamId, expected, outcome.current));
      if (outcome.kind === 'stream_deleted') return callback(streamDeletedError(streamId));
      callback(null, new TombstoneResp().setPosition(new TombstoneResp.Position().setCommitPosition(String(outcome.position)).setPreparePosition(String(outcome.position))));
    },
  };
}

function readStream(log: EventLog, call: grpc.ServerWritableStream<ReadReq, ReadResp>, options: ReadReq.Options): void {
  const streamOptions = options.getStream()!;
  const streamId = streamName(streamOptions.getStreamIdentifier());
  const stream = log.stream(streamId);
  if (stream?.tombstoned) {
    call.emit('error', streamDeletedError(streamId));
    return;
  }
  const visible = (stream?.records ?? []).filter((r) => r.revision >= (stream?.truncateBefore ?? 0));
  const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
  const Case = ReadReq.Options.StreamOptions.RevisionOptionCase;
  const revisionCase = streamOptions.getRevisionOptionCase();

  if (options.hasSubscription()) {
    // Catch-up subscription to one stream: exclusive of the revision given, then live.
    const after = revisionCase === Case.REVISION ? Number(streamOptions.getRevision()) : revisionCase === Case.END ? Infinity : -1;
    call.write(new ReadResp().setConfirmation(new ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID())));
    const history = after === Infinity ? [] : visible.filter((r) => r.revision > after);
    for (const record of history) call.write(eventResponse(record));
    call.write(new ReadResp().setCaughtUp(new ReadResp.CaughtUp()));
    log.follow({ offer: (record) => record.streamId === streamId && call.write(eventResponse(record)) }, call);
    return;
  }

  if (visible.length === 0) {
    call.write(new ReadResp().setStreamNotFound(new ReadResp.StreamNotFound().setStreamIdentifier(identifier(streamId))));
    call.end();
    return;
  }
  const count = Number(options.getCount());
  let selected: LogRecord[];
  if (backwards) {
    const from = revisionCase === Case.REVISION ? Number(streamOptions.getRevision()) : Infinity;
    selected = visible.filter((r) => r.revision <= from).reverse();
  } else {
    const from = revisionCase === Case.REVISION ? Number(streamOptions.getRevision()) : revisionCase === Case.END ? Infinity : -1;
    selected = visible.filter((r) => r.revision >= from);
  }
  const resolveLinks = options.getResolveLinks();
  for (const record of selected.slice(0, count)) {
    const target = resolveLinks ? log.resolveLink(record) : undefined;
    call.write(target ? eventResponse(target, record) : eventResponse(record));
  }
  call.end();
  return;
}

function readAll(log: EventLog, call: grpc.ServerWritableStream<ReadReq, ReadResp>, options: ReadReq.Options): void {
  const all = options.getAll();
  if (!all) throw statusError(grpc.status.INVALID_ARGUMENT, 'missing stream option');
  const Case = ReadReq.Options.AllOptions.AllOptionCase;
  const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
  let from: bigint;
  switch (all.getAllOptionCase()) {
    case Case.POSITION: {
      const position = all.getPosition()!;
      from = BigInt(position.getCommitPosition());
      // Positions are offsets in the transaction log: one that is not a record boundary is refused.
      if (from !== BigInt(position.getPreparePosition()) || !log.isValidPosition(from)) {
        throw statusError(grpc.status.INVALID_ARGUMENT, `Invalid position ${position.getCommitPosition()}/${position.getPreparePosition()}: not the position of a record`);
      }
      break;
    }
    case Case.END:
      from = log.endPosition;
      break;
    default:
      from = 0n;
  }
  const filter = filterOf(options);

  if (options.hasSubscription()) {
    subscribeToAll(log, call, from, filter);
    return;
  }
  const count = Number(options.getCount());
  // Forwards reads include the record at `from`; backwards reads return the records before it.
  const candidates = backwards ? log.records.filter((r) => r.position < from).reverse() : log.records.filter((r) => r.position >= from);
  let sent = 0;
  for (const record of candidates) {
    if (sent >= count) break;
    if (filter && !filter.matches(filter.on === 'stream' ? record.streamId : record.type)) continue;
    call.write(eventResponse(record));
    sent += 1;
  }
  call.end();
}

/**
 * Catch-up subscription to `$all`: exclusive of `from`, history then live, `caughtUp` in between.
 * A filtered subscription also reports checkpoints every `checkpointEvery` records searched and
 * one at the last record searched when it catches up, so sparse consumers can move their checkpoint.
 */
function subscribeToAll(log: EventLog, call: grpc.ServerWritableStream<ReadReq, ReadResp>, from: bigint, filter: Filter | null): void {
  call.write(new ReadResp().setConfirmation(new ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID())));
  let searched = 0;
  let lastSearched: LogRecord | null = null;
  const consider = (record: LogRecord) => {
    lastSearched = record;
    if (!filter) return void call.write(eventResponse(record));
    if (filter.matches(filter.on === 'stream' ? record.streamId : record.type)) call.write(eventResponse(record));
    searched += 1;
    if (searched % filter.checkpointEvery === 0) call.write(checkpointResponse(record.position));
  };
  for (const record of log.records) if (record.position > from) consider(record);
  const caughtUpAt = lastSearched as LogRecord | null;
  if (filter && caughtUpAt) call.write(checkpointResponse(caughtUpAt.position));
  call.write(new ReadResp().setCaughtUp(new ReadResp.CaughtUp()));
  log.follow({ offer: consider }, call);
}

function filterOf(options: ReadReq.Options): Filter | null {
  if (!options.hasFilter()) return null;
  const filter = options.getFilter()!;
  const on = filter.hasStreamIdentifier() ? 'stream' : 'type';
  const expression = filter.hasStreamIdentifier() ? filter.getStreamIdentifier()! : filter.getEventType()!;
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : null;
  const prefixes = expression.getPrefixList();
  const window = filter.hasMax() ? filter.getMax() : DEFAULT_FILTER_WINDOW;
  return {
    on,
    matches: (text) => (regex ? regex.test(text) : prefixes.some((prefix) => text.startsWith(prefix))),
    checkpointEvery: Math.max(1, window * Math.max(1, filter.getCheckpointintervalmultiplier())),
  };
}

function eventResponse(record: LogRecord, link?: LogRecord): ReadResp {
  const read = new ReadResp.ReadEvent().setEvent(recordedEvent(record)).setCommitPosition(String((link ?? record).position));
  if (link) read.setLink(recordedEvent(link));
  return new ReadResp().setEvent(read);
}

function recordedEvent(record: LogRecord): ReadResp.ReadEvent.RecordedEvent {
  const recorded = new ReadResp.ReadEvent.RecordedEvent()
    .setId(new UUID().setString(record.id))
    .setStreamIdentifier(identifier(record.streamId))
    .setStreamRevision(String(record.revision))
    .setCommitPosition(String(record.position))
    .setPreparePosition(String(record.position))
    .setData(record.data)
    .setCustomMetadata(record.metadata);
  recorded.getMetadataMap().set('type', record.type).set('content-type', record.contentType).set('created', record.createdTicks);
  return recorded;
}

function checkpointResponse(position: bigint): ReadResp {
  return new ReadResp().setCheckpoint(new ReadResp.Checkpoint().setCommitPosition(String(position)).setPreparePosition(String(position)));
}

function proposed(message: AppendReq.ProposedMessage | BatchAppendReq.ProposedMessage): Proposed {
  const metadata = message.getMetadataMap();
  const id = message.getId();
  return {
    id: id?.getString() || randomUUID(),
    type: metadata.get('type') ?? '',
    contentType: metadata.get('content-type') ?? 'application/octet-stream',
    data: message.getData_asU8(),
    metadata: message.getCustomMetadata_asU8(),
  };
}

/** Reads the expected-revision oneof shared (with different case numbers) by append, batch append, delete and tombstone. */
function expectedOf(
  which: number,
  revision: string,
  Cases: { NO_STREAM: number; ANY: number; STREAM_EXISTS: number },
): Expected {
  if (which === Cases.NO_STREAM) return { kind: 'no_stream' };
  if (which === Cases.STREAM_EXISTS) return { kind: 'stream_exists' };
  if (which === Cases.ANY) return { kind: 'any' };
  return { kind: 'revision', revision: Number(revision) };
}

function streamName(id: StreamIdentifier | undefined): string {
  return id ? Buffer.from(id.getStreamName_asU8()).toString('utf8') : '';
}

function identifier(streamId: string): StreamIdentifier {
  return new StreamIdentifier().setStreamName(Buffer.from(streamId, 'utf8'));
}

function json(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Errors of unary calls and reads carry the exception name and details in trailers, as the server sends them. */
function statusError(code: grpc.status, details: string, trailers: Record<string, string> = {}): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(trailers)) metadata.set(key, value);
  return Object.assign(new Error(details), { code, details, metadata });
}

function wrongExpectedVersionError(streamId: string, expected: Expected, current: number | null): grpc.ServiceError {
  const expectedVersion = expected.kind === 'revision' ? String(expected.revision) : { any: '-2', no_stream: '-1', stream_exists: '-4' }[expected.kind];
  return statusError(grpc.status.FAILED_PRECONDITION, 'Append failed due to WrongExpectedVersion.', {
    exception: 'wrong-expected-version',
    'stream-name': streamId,
    'expected-version': expectedVersion,
    ...(current === null ? {} : { 'actual-version': String(current) }),
  });
}

function streamDeletedError(streamId: string): grpc.ServiceError {
  return statusError(grpc.status.FAILED_PRECONDITION, `Event stream '${streamId}' is deleted.`, { exception: 'stream-deleted', 'stream-name': streamId });
}

function maxAppendSizeError(): grpc.ServiceError {
  return statusError(grpc.status.INVALID_ARGUMENT, `Maximum Append Size of ${MAX_APPEND_SIZE} Exceeded.`, {
    exception: 'maximum-append-size-exceeded',
    'maximum-append-size': String(MAX_APPEND_SIZE),
  });
}

/** Batch append answers failures in-band: a google.rpc.Status whose details pack the reason. */
function batchError(outcome: Exclude<AppendOutcome, { kind: 'success' }>, streamId: string): Status {
  const details = new Any();
  let code = Code.FAILED_PRECONDITION;
  if (outcome.kind === 'wrong_expected_version') {
    const wrong = new WrongExpectedVersion();
    if (outcome.current === null) wrong.setCurrentNoStream(new ProtoEmpty());
    else wrong.setCurrentStreamRevision(String(outcome.current));
    if (outcome.expected.kind === 'revision') wrong.setExpectedStreamPosition(String(outcome.expected.revision));
    else if (outcome.expected.kind === 'no_stream') wrong.setExpectedNoStream(new ProtoEmpty());
    else if (outcome.expected.kind === 'stream_exists') wrong.setExpectedStreamExists(new ProtoEmpty());
    else wrong.setExpectedAny(new ProtoEmpty());
    details.pack(wrong.serializeBinary(), 'event_store.client.WrongExpectedVersion');
  } else if (outcome.kind === 'stream_deleted') {
    details.pack(new StreamDeleted().setStreamIdentifier(identifier(streamId)).serializeBinary(), 'event_store.client.StreamDeleted');
  } else {
    code = Code.INVALID_ARGUMENT;
    details.pack(new MaximumAppendSizeExceeded().setMaxappendsize(MAX_APPEND_SIZE).serializeBinary(), 'event_store.client.MaximumAppendSizeExceeded');
  }
  return new Status().setCode(code).setMessage(outcome.kind).setDetails(details);
}
