import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { notifyChanges } from '../../db/queries/changes.js';
import type { Logger } from '../logger.js';

/**
 * Under a steady stream of commits, the least time between the starts of two `NOTIFY`s of one
 * process. Every `NOTIFY` wakes each listening process and its backend (about 30–40 µs of a
 * gateway's CPU and 50–80 µs of PostgreSQL's per notification, bench/README.md, "Round 6: the
 * change feed"), and a feed reads `batchMs` (10) after the first one it serves, everything
 * committed by then: at a few hundred commits a second most of them announced nothing new.
 * The first `NOTIFY` after a quiet spell is sent at once.
 */
export const NOTIFY_GAP_MS = 5;

/**
 * Tells the listening gateway processes (`ChangeFeed`) that this process committed audit
 * events: one `NOTIFY` on a pooled connection, in a transaction of its own, after the commits.
 * At most one is in flight per database handle; commits made meanwhile are announced by one
 * more, sent when it returns; and one starts no sooner than `NOTIFY_GAP_MS` after the
 * previous one did (the commits of that time wait for it). So a burst of k commits costs one
 * or two `NOTIFY`s instead of k, a steady stream at most one per gap, and no mutation's
 * transaction takes PostgreSQL's notify lock (a trigger that notified on every audit insert
 * serialised every committing mutation behind it).
 */
class CoalescingNotifier {
  /** The `NOTIFY`s under way (with the one more they will send), until they are done. */
  sending: Promise<void> | undefined;
  private again = false;
  /** When the last `NOTIFY` was sent (`performance.now()`). */
  private startedAt = -Infinity;

  /**
   * The latest caller's logger, for a failure (read only then: a request's logger is lazy).
   * Dropped once the `NOTIFY`s are done: the closure holds that request's context (its
   * loaders and what they read) until the process commits again, which may be never.
   */
  private logger: () => Logger = noLogger;

  constructor(private readonly db: Kysely<Database>) {}

  committed(logger: () => Logger): void {
    this.logger = logger;
    if (this.sending) {
      this.again = true;
      return;
    }
    this.sending = this.send();
  }

  private async send(): Promise<void> {
    do {
      // A timer counts whole milliseconds of libuv's clock, read at the start of a turn of the
      // event loop, so it may fire a fraction of a millisecond early by `performance.now()`:
      // it waits again for whatever is left.
      const left = () => this.startedAt + NOTIFY_GAP_MS - performance.now();
      for (let wait = left(); wait > 0; wait = left())
        await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
      this.startedAt = performance.now();
      this.again = false;
      try {
        await notifyChanges(this.db);
      } catch (error) {
        // Only a hint: every listening process's poll reads the commits within its interval.
        this.logger().warn({ err: error }, 'could not notify committed changes');
      }
    } while (this.again);
    this.sending = undefined;
    this.logger = noLogger;
  }
}

function noLogger(): Logger {
  throw new Error('no logger');
}

const notifiers = new WeakMap<Kysely<Database>, CoalescingNotifier>();

/**
 * Called after a transaction that wrote audit events has committed (never inside one): sends
 * `NOTIFY cgw_changes` now, or once the one in flight returns and the gap has passed. Does not
 * wait for it. A process that dies between its commit and its `NOTIFY` loses only the hint: the
 * other processes' feeds poll (`CHANGES_POLL_MS`) and read the commit then.
 */
export function changesCommitted(ctx: { db: Kysely<Database>; logger: Logger }): void {
  let notifier = notifiers.get(ctx.db);
  if (!notifier) notifiers.set(ctx.db, (notifier = new CoalescingNotifier(ctx.db)));
  notifier.committed(() => ctx.logger);
}

/**
 * Resolves once the `NOTIFY`s under way on `db` are done: a process that stops waits for it
 * before it closes its pool, so that its last commits are announced (and nothing is logged as
 * failed because the pool went away under the statement).
 */
export async function changesAnnounced(db: Kysely<Database>): Promise<void> {
  await notifiers.get(db)?.sending;
}
