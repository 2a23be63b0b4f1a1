import { randomBytes } from 'node:crypto';
import type { JSONMessageReplacer } from 'graphql-ws';

/**
 * Writes the JSON of a result that many subscribers share once, not once per subscriber.
 *
 * graphql-ws serialises every `next` message itself (`JSON.stringify({ id, type: 'next',
 * payload })`), so 100 subscribers sharing one result cost 100 walks of the same object. With
 * `replacer` as its `jsonMessageReplacer`, a payload that was passed to `share` is written as a
 * placeholder string instead (its keys are never visited), and its JSON is kept with the
 * result; `splice`, called on the message text before it reaches the socket, puts that JSON in
 * the placeholder's place. The text sent is byte for byte what graphql-ws would have sent.
 *
 * Why it cannot mistake user data for a placeholder: the replacer only replaces the value of
 * the message's own top-level `payload` key, and only when that value is an object passed to
 * `share` (results the gateway executed, never parsed input); the placeholder carries a random
 * token of this instance and a number of the result; and `splice` only rewrites the
 * message the replacer has just written (graphql-ws stringifies and sends in one synchronous
 * step), and only when its text ends in exactly `"payload":"<token>:<n>"}`, the form
 * graphql-ws's `{ id, type, payload }` produces. Any other message goes through unchanged.
 * A placeholder found anywhere else (graphql-ws changed the message's shape) throws rather than
 * reach a client; `test/changes/shared-json.test.ts` fails if graphql-ws stops calling the
 * replacer this way.
 */
export interface SharedJson {
  /** Marks `result` (an execution result handed to several subscribers) for the fast path. */
  share(result: object): void;
  /** graphql-ws's `jsonMessageReplacer`. */
  readonly replacer: JSONMessageReplacer;
  /** The message text to send: `data` with the placeholder the replacer wrote replaced. */
  splice(data: string): string;
  /** Messages spliced so far (the fast path taken), for tests and diagnostics. */
  readonly spliced: number;
}

/** A shared result's placeholder, the message ending it leaves, and what replaces that. */
interface Written {
  placeholder: string;
  suffix: string;
  replacement: string;
}

export function createSharedJson(): SharedJson {
  // base64url: nothing in it that JSON escapes, so the placeholder is written as it is.
  const token = randomBytes(18).toString('base64url');
  /** A shared result → its JSON once written (`null` until then). Bound: the live results. */
  const texts = new WeakMap<object, Written | null>();
  /** What the replacer wrote into the message being stringified now. */
  let pending: Written | undefined;
  let counter = 0;
  let spliced = 0;

  const write = (result: object): Written => {
    const placeholder = `${token}:${++counter}`;
    return {
      placeholder,
      suffix: `"payload":"${placeholder}"}`,
      replacement: `"payload":${JSON.stringify(result)}}`,
    };
  };

  function replacer(this: unknown, key: string, value: unknown): unknown {
    if (key === '') {
      // A new message: whatever an earlier one left (its send was skipped) is void.
      pending = undefined;
      return value;
    }
    if (key !== 'payload' || typeof value !== 'object' || value === null) return value;
    let written = texts.get(value);
    if (written === undefined || (this as { type?: unknown }).type !== 'next') return value;
    if (written === null) texts.set(value, (written = write(value)));
    pending = written;
    return written.placeholder;
  }

  return {
    share(result) {
      if (!texts.has(result)) texts.set(result, null);
    },
    replacer,
    splice(data) {
      const written = pending;
      if (written === undefined) return data;
      pending = undefined;
      if (!data.endsWith(written.suffix)) {
        if (data.includes(token))
          throw new Error('graphql-ws wrote a shared result’s placeholder in an unknown shape');
        return data;
      }
      spliced++;
      return data.slice(0, data.length - written.suffix.length) + written.replacement;
    },
    get spliced() {
      return spliced;
    },
  };
}
