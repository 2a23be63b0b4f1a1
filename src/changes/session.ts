import type { GatewayContext } from '../context.js';
import type { Change, ChangeFeed } from './feed.js';

/** What a subscription's context adds to a request's: the feed and its WebSocket. */
export interface LiveSession {
  feed: ChangeFeed;
  /** Closes the subscriber's socket (and with it every operation on it). */
  close(code: number, reason: string): void;
  /**
   * Starts the work of delivering `change` to this operation ahead of its turn (see
   * `SubscriptionRequest.prepare`); unset until the operation is known.
   */
  prepare?(change: Change): void;
}

const sessions = new WeakMap<GatewayContext, LiveSession>();

/** Marks `ctx` as a WebSocket operation's context. */
export function attachLiveSession(ctx: GatewayContext, session: LiveSession): GatewayContext {
  sessions.set(ctx, session);
  return ctx;
}

/** The live session of a WebSocket operation's context; undefined over HTTP. */
export function liveSessionOf(ctx: GatewayContext): LiveSession | undefined {
  return sessions.get(ctx);
}
