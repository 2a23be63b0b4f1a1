import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { Listener, ListenHandlers } from '../../db/connect.js';
import {
  CHANGES_CHANNEL,
  changesBetween,
  snapshotAndChanges,
  type ChangeRow,
} from '../../db/queries/changes.js';
import { DEFAULT_BATCH_MS } from '../config.js';
import type { Logger } from '../logger.js';
import type { ChangePosition, CursorCodec } from './cursor.js';
import { parseSnapshot, type Snapshot } from './snapshot.js';

/** One committed change as a subscriber receives it. */
export interface Change {
  row: ChangeRow;
  /** Resumes right after this change. */
  cursor: string;
  /**
   * The read that brought it, one object shared by the changes of that read (one statement: a
   * page of a feed batch, or of a replay): what their deliveries may share, as they describe
   * one moment.
   */
  read: object;
}

/** Ends a subscription whose consumer fell more than `bufferLimit` changes behind. */
export class SubscriberTooSlowError extends Error {
  constructor(limit: number) {
    super(`the subscriber fell more than ${limit} changes behind; resume with \`after\``);
  }
}

export interface ChangeFeedOptions {
  db: Kysely<Database>;
  /** LISTENs for commit notifications; without it the feed only polls. */
  listen?: (channel: string, handlers: ListenHandlers) => Promise<Listener>;
  cursors: CursorCodec;
  logger: Logger;
  /** Safety-net poll while anybody subscribes (a notification is only a hint). */
  pollMs: number;
  /**
   * How long a read waits after the first wake-up it serves (a commit notification, a poll, a
   * new subscriber), so that one read brings the commits of that time (0: reads at once).
   */
  batchMs?: number;
  /** Changes a subscriber may have waiting before it is cut off. */
  bufferLimit: number;
  /** How long it keeps listening after its last subscriber left (default 10 s). */
  listenLingerMs?: number;
  /** Called for every change handed to a subscriber and for every subscriber cut off. */
  onDelivered?(count: number): void;
  onCut?(): void;
}

const READ_PAGE = 1_000;
const REPLAY_PAGE = 500;
/**
 * How many of a subscriber's waiting live changes are prepared (`prepare`) ahead of the one it
 * is taking: enough for the changes of one read to be executed side by side, few enough that a
 * backlog does not put hundreds of reads at once in front of the pool's other callers.
 */
export const PREPARE_AHEAD = 16;

/**
 * The process's view of committed changes, read from the audit table (the outbox).
 *
 * The feed holds a position: the PostgreSQL snapshot `P` of its last read. A read ("batch")
 * is one statement that takes its own snapshot `P'` and reads the events of every transaction
 * that had not committed in `P` and has in `P'` (`snapshotAndChanges`; further pages, rarely,
 * with `changesBetween` bounded by `P'`), then hands them, in `seq` order, to the subscribers
 * of their tenant (each change object once, shared by all of them), and moves to `P'`. Snapshots, not
 * sequence numbers, decide: a transaction that took a smaller `seq` but commits later is
 * simply not visible in `P'` and is read by the batch whose snapshot first sees it. So every
 * committed event is read by exactly one batch, none is skipped and none is read twice, and a
 * rolled-back one is never visible. Within one resource, `seq` order is version order (the
 * row is locked while its event is written), and a later version commits after an earlier
 * one, so it is never in an earlier batch.
 *
 * A batch runs when a commit notification arrives (`LISTEN`), when the listening connection
 * comes back (notifications may have been lost meanwhile), and on a timer while anybody
 * subscribes; batches never overlap, and with nobody subscribed nothing is read at all. A
 * batch starts `batchMs` after the first wake-up it serves (or at once if that has passed):
 * the commits of that time arrive in one read, and each subscriber gets them in one write.
 *
 * A new subscriber joins at the end of the next batch, whose snapshot is taken after the
 * subscription arrived: it receives every later batch. With `after`, it first replays, from
 * the table, everything between the cursor's position and that snapshot.
 */
export class ChangeFeed {
  private position: Snapshot | undefined;
  /** Joined subscriptions by tenant. */
  private readonly active = new Map<string, Set<ChangeSubscription>>();
  private joined = 0;
  private pending: ChangeSubscription[] = [];
  private running: Promise<void> | undefined;
  private again = false;
  /** When the earliest wake-up not yet served by a batch came (`performance.now()`). */
  private wokenAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private listener: Promise<Listener> | undefined;
  private closing: Promise<void> | undefined;
  private linger: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(readonly options: ChangeFeedOptions) {}

  async start(): Promise<void> {
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.timer.unref();
  }

  /**
   * LISTENs only while anybody subscribes (and for `listenLingerMs` after the last one left):
   * every commit of every writer notifies each listening process, and a process with no
   * subscriber would pay a wake-up per mutation for nothing (`bench/micro.ts`: about 8% of a
   * mutation's CPU). Nothing is lost meanwhile: a subscriber joins through a batch, and
   * `connected` runs one.
   */
  private listenWhileSubscribed(): void {
    const wanted = !this.stopped && this.subscriberCount > 0;
    if (wanted) {
      clearTimeout(this.linger);
      this.linger = undefined;
      if (this.listener || !this.options.listen) return;
      this.listener = this.options.listen(CHANGES_CHANNEL, {
        notify: () => this.wake(),
        connected: () => this.wake(),
        error: (error) =>
          this.options.logger.warn({ err: error }, 'change listener lost; reconnecting'),
      });
      this.listener.catch((error) =>
        this.options.logger.warn({ err: error }, 'could not listen for changes; polling'),
      );
    } else if (this.listener && !this.linger) {
      const close = () => {
        const listener = this.listener;
        this.listener = undefined;
        this.linger = undefined;
        const closed = listener?.then((l) => l.close()).catch(() => {});
        this.closing = Promise.all([this.closing, closed]).then(() => {});
      };
      if (this.stopped) close();
      else (this.linger = setTimeout(close, this.options.listenLingerMs ?? 10_000)).unref();
    }
  }

  /** Ends every subscription and stops listening. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    for (const subscription of [...this.active.values()].flatMap((set) => [...set]))
      subscription.end();
    for (const subscription of this.pending) subscription.end();
    this.active.clear();
    this.joined = 0;
    this.pending = [];
    if (this.linger) {
      clearTimeout(this.linger);
      this.linger = undefined;
    }
    this.listenWhileSubscribed();
    await this.closing;
    await this.running;
  }

  /** Open subscriptions (joined or about to join). */
  get subscriberCount(): number {
    return this.joined + this.pending.length;
  }

  /** Subscriptions that joined: every change committed from now on reaches them. */
  get joinedCount(): number {
    return this.joined;
  }

  /**
   * A subscription to one tenant's changes that `accepts` lets through, from the next
   * batch on, or from `after` (a position this gateway issued for that tenant).
   */
  subscribe(request: SubscriptionRequest): ChangeSubscription {
    const subscription = new ChangeSubscription(this, request);
    if (this.stopped) subscription.end();
    else {
      this.pending.push(subscription);
      this.listenWhileSubscribed();
      this.wake();
    }
    return subscription;
  }

  /** @internal */
  remove(subscription: ChangeSubscription): void {
    const subscribers = this.active.get(subscription.tenantId);
    if (subscribers?.delete(subscription)) {
      this.joined--;
      if (subscribers.size === 0) this.active.delete(subscription.tenantId);
    }
    this.pending = this.pending.filter((s) => s !== subscription);
    this.listenWhileSubscribed();
  }

  /** Runs a batch `batchMs` after the first wake-up it serves, or after the running one. */
  wake(): void {
    if (this.stopped || (this.joined === 0 && this.pending.length === 0)) return;
    this.wokenAt ??= performance.now();
    if (this.running) {
      this.again = true;
      return;
    }
    // The loop clears `running` itself, in the step where it finds no wake-up left: cleared a
    // step later (a `finally` on its promise), a wake-up in between found it still running,
    // was left to it, and was lost until the next one. It starts a microtask from now, so
    // that `running` is set before it can end.
    this.running = Promise.resolve().then(() => this.loop());
  }

  private async loop(): Promise<void> {
    try {
      do {
        const batchMs = this.options.batchMs ?? DEFAULT_BATCH_MS;
        const wait = (this.wokenAt ?? 0) + batchMs - performance.now();
        if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
        if (this.stopped) return;
        // Wake-ups from here on may come after the batch's snapshot: they need another batch.
        this.again = false;
        this.wokenAt = undefined;
        try {
          await this.batch();
        } catch (error) {
          // The position did not move: the next notification or poll reads the same range.
          this.options.logger.warn({ err: error }, 'reading changes failed; will retry');
          return;
        }
      } while (this.again && !this.stopped);
    } finally {
      // In the same step as the `while` above: no wake-up can fall in between.
      this.running = undefined;
    }
  }

  private async batch(): Promise<void> {
    const joining = this.pending;
    this.pending = [];
    try {
      const from = this.position;
      const tenantIds = [...this.active.keys()];
      // One statement: its snapshot and the first page of what it adds (one round trip).
      const { snapshot, rows } = await snapshotAndChanges(this.options.db, {
        tenantIds,
        lo: from?.text,
        limit: READ_PAGE,
      });
      // Each page is a statement of its own (its tenants' entitlements read at its moment).
      const pages = [rows];
      for (let page = rows; page.length === READ_PAGE;) {
        page = await changesBetween(this.options.db, {
          tenantIds,
          lo: from!.text,
          hi: snapshot,
          afterSeq: page[page.length - 1].seq,
          limit: READ_PAGE,
        });
        pages.push(page);
      }
      const to = parseSnapshot(snapshot);
      if (!to) throw new Error(`unexpected snapshot text ${snapshot}`);
      // The first read only takes the position: nothing to hand out.
      if (from) {
        for (const page of pages) {
          const read = {};
          for (const row of page) {
            const subscribers = this.active.get(row.tenant_id);
            if (!subscribers) continue;
            const change = {
              row,
              cursor: this.options.cursors.encode({
                tenantId: row.tenant_id,
                lo: from,
                hi: to,
                seq: BigInt(row.seq),
              }),
              read,
            };
            for (const subscription of subscribers) subscription.push(change);
          }
        }
      }
      this.position = to;
      for (const subscription of joining) {
        if (subscription.closed) continue;
        let subscribers = this.active.get(subscription.tenantId);
        if (!subscribers) this.active.set(subscription.tenantId, (subscribers = new Set()));
        subscribers.add(subscription);
        this.joined++;
        subscription.begin(to);
      }
    } catch (error) {
      this.pending.unshift(...joining.filter((s) => !s.closed));
      throw error;
    }
  }
}

type Replay = { lo: Snapshot; hi: Snapshot; afterSeq: bigint };

/** What a subscription asks of the feed. */
export interface SubscriptionRequest {
  tenantId: string;
  after?: ChangePosition;
  accepts(row: ChangeRow): boolean;
  onCut?(error: SubscriberTooSlowError): void;
  /**
   * Called for a live change this subscription will deliver, once it is among the first
   * `PREPARE_AHEAD` waiting (at once when pushed, or when the ones before it are taken), so that
   * the consumer can start the work for it before it takes it: the executions of one read's
   * changes, and their reads of `connection`, then run side by side instead of one after the
   * other. May be called more than once for one change. It runs inside the feed's read,
   * between one subscriber's push and the next: a throw is caught and logged there, and the
   * change is delivered (and its work done) in its turn.
   */
  prepare?(change: Change): void;
}

/**
 * One subscriber's stream: replayed changes first (when resuming), then live ones from a
 * bounded buffer. An async iterator, as graphql-js's `subscribe` wants.
 */
export class ChangeSubscription implements AsyncIterableIterator<Change> {
  readonly tenantId: string;
  closed = false;
  private readonly queue: Change[] = [];
  private replays: Replay[] = [];
  private replayed: Change[] = [];
  private started = false;
  /** Whether the live changes waiting are prepared as they come: not while a replay runs. */
  private windowPrepared: boolean;
  private failure: Error | undefined;
  private waiter: { resolve(): void } | undefined;

  constructor(
    private readonly feed: ChangeFeed,
    private readonly request: SubscriptionRequest,
  ) {
    this.tenantId = request.tenantId;
    this.windowPrepared = request.after === undefined;
  }

  /** @internal The feed's batch ending at `snapshot` was the last one before this one joined. */
  begin(snapshot: Snapshot): void {
    const after = this.request.after;
    if (after) {
      // Phase 1: the rest of the cursor's own range; phase 2: everything after it up to the
      // join. Both are bounded by snapshots, so nothing committed later slips in twice.
      this.replays = [
        { lo: after.lo, hi: after.hi, afterSeq: after.seq },
        { lo: after.hi, hi: snapshot, afterSeq: 0n },
      ];
    }
    this.started = true;
    this.wakeReader();
  }

  /** @internal A live change of some tenant. */
  push(change: Change): void {
    if (this.closed) return;
    if (!this.request.accepts(change.row)) return;
    const { bufferLimit } = this.feed.options;
    if (this.queue.length >= bufferLimit) {
      const error = new SubscriberTooSlowError(bufferLimit);
      this.fail(error);
      this.feed.options.onCut?.();
      this.request.onCut?.(error);
      return;
    }
    this.queue.push(change);
    if (this.windowPrepared && this.queue.length <= PREPARE_AHEAD) this.prepare(change);
    this.wakeReader();
  }

  /**
   * `request.prepare`, which must not throw; if it does anyway, the change is still delivered
   * (its work done in its turn) and the feed's read goes on to the next subscriber.
   */
  private prepare(change: Change): void {
    try {
      this.request.prepare?.(change);
    } catch (error) {
      this.feed.options.logger.warn({ err: error }, 'preparing a change ahead failed');
    }
  }

  /** Ends the stream normally (shutdown). */
  end(): void {
    this.closed = true;
    this.feed.remove(this);
    this.wakeReader();
  }

  private fail(error: Error): void {
    this.failure = error;
    this.end();
  }

  async next(): Promise<IteratorResult<Change>> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.closed) return { done: true, value: undefined };
      if (this.started) {
        // A live change (no replay left) takes no extra await.
        const change =
          this.replayed.shift() ??
          (this.replays.length > 0 ? await this.nextReplayed() : undefined) ??
          this.takeLive();
        if (change) {
          this.feed.options.onDelivered?.(1);
          return { done: false, value: change };
        }
        if (this.closed || this.failure) continue;
      }
      await new Promise<void>((resolve) => (this.waiter = { resolve }));
    }
  }

  /** The next live change; the one that now enters the first `PREPARE_AHEAD` is prepared. */
  private takeLive(): Change | undefined {
    const change = this.queue.shift();
    if (!this.windowPrepared) {
      // The replay has ended: the live changes that waited behind it are prepared now, not
      // while it ran (prepared then, they would show their connection as it was before the
      // replayed changes' own, later reads of it).
      this.windowPrepared = true;
      for (const waiting of this.queue.slice(0, PREPARE_AHEAD)) this.prepare(waiting);
    } else if (this.queue.length >= PREPARE_AHEAD) this.prepare(this.queue[PREPARE_AHEAD - 1]);
    return change;
  }

  /** Reads the next page of the replay, if one is left. */
  private async nextReplayed(): Promise<Change | undefined> {
    while (this.replays.length > 0 && this.replayed.length === 0) {
      const replay = this.replays[0];
      const rows = await changesBetween(this.feed.options.db, {
        tenantIds: [this.tenantId],
        lo: replay.lo.text,
        hi: replay.hi.text,
        afterSeq: replay.afterSeq.toString(),
        limit: REPLAY_PAGE,
      });
      if (rows.length < REPLAY_PAGE) this.replays.shift();
      else replay.afterSeq = BigInt(rows[rows.length - 1].seq);
      const read = {};
      for (const row of rows) {
        if (!this.request.accepts(row)) continue;
        this.replayed.push({
          row,
          cursor: this.feed.options.cursors.encode({
            tenantId: this.tenantId,
            lo: replay.lo,
            hi: replay.hi,
            seq: BigInt(row.seq),
          }),
          read,
        });
      }
    }
    return this.replayed.shift();
  }

  async return(): Promise<IteratorResult<Change>> {
    this.end();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private wakeReader(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve();
  }
}
