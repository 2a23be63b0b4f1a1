import { parse, type ExecutionResult } from 'graphql';
import { makeServer, type JSONMessageReplacer } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { createSharedJson, type SharedJson } from '../../src/changes/shared-json.js';

/** What graphql-ws sends, as `src/live.ts` sends it: stringified with the replacer, spliced. */
const sent = (json: SharedJson, message: object) =>
  json.splice(JSON.stringify(message, json.replacer as JSONMessageReplacer));

/** A result as graphql-js builds one, with text that tries to look like a placeholder. */
const result = (name: string): ExecutionResult => ({
  data: { connectionChanges: { name, nested: [{ payload: name, type: 'next' }, null, 1.5] } },
});

describe('a shared result’s JSON written once', () => {
  it('sends byte for byte what JSON.stringify sends, shared or not, and errors and completes', () => {
    const json = createSharedJson();
    const shared = result('a "quoted" \u2028 name');
    json.share(shared);
    const messages = [
      { id: '1', type: 'next', payload: shared },
      { id: '2', type: 'next', payload: shared },
      { id: '3', type: 'next', payload: result('not shared') },
      { id: '4', type: 'error', payload: [{ message: 'no', extensions: { code: 'X' } }] },
      { id: '5', type: 'complete' },
      // The shared object anywhere but as a `next` message's payload takes the slow path.
      { id: '6', type: 'next', payload: { data: { inner: shared } } },
      { id: '7', type: 'error', payload: shared },
    ];
    for (const message of messages) expect(sent(json, message)).toBe(JSON.stringify(message));
    expect(json.spliced).toBe(2);
  });

  it('serialises a shared result once, however many subscribers it is sent to', () => {
    const json = createSharedJson();
    const shared = result('once');
    json.share(shared);
    let visits = 0;
    Object.defineProperty(shared, 'data', {
      enumerable: true,
      get: () => (visits++, result('once').data),
    });
    for (let id = 1; id <= 100; id++) sent(json, { id: String(id), type: 'next', payload: shared });
    expect(visits).toBe(1);
    expect(json.spliced).toBe(100);
  });

  it('leaves user data that copies a placeholder alone, and a message it did not write', () => {
    const json = createSharedJson();
    const shared = result('x');
    json.share(shared);
    // Learn this instance's placeholder form from a message stringified but not spliced.
    const raw = JSON.stringify({ id: '1', type: 'next', payload: shared }, json.replacer);
    const placeholder = /"payload":"([^"]+)"}$/.exec(raw)![1];
    expect(placeholder).toMatch(/^[\w-]{24}:1$/);
    // A payload whose user data is that very text, and a message ending in its exact form.
    const copy = { data: { payload: placeholder } };
    expect(sent(json, { id: '2', type: 'next', payload: copy })).toBe(
      JSON.stringify({ id: '2', type: 'next', payload: copy }),
    );
    const forged = `{"id":"3","type":"next","payload":"${placeholder}"}`;
    expect(json.splice(forged)).toBe(forged);
    expect(json.spliced).toBe(0);
    // Another instance (another process) has another token.
    const other = createSharedJson();
    other.share(shared);
    const otherRaw = JSON.stringify({ id: '1', type: 'next', payload: shared }, other.replacer);
    expect(otherRaw).not.toBe(raw);
  });

  it('throws rather than send a placeholder in a shape it does not know', () => {
    const json = createSharedJson();
    const shared = result('x');
    json.share(shared);
    const reordered = JSON.stringify(
      { payload: shared, id: '1', type: 'next' },
      function (this: unknown, key: string, value: unknown) {
        return json.replacer.call({ type: 'next' }, key, value);
      },
    );
    expect(() => json.splice(reordered)).toThrow(/unknown shape/);
  });
});

/**
 * The contract with graphql-ws that the fast path leans on: it stringifies each `next`
 * message as `{ id, type, payload }` with the `jsonMessageReplacer` it was given, the payload
 * being the very object `onNext` returned, and sends the text at once. If a new version stops
 * doing any of that, the placeholder is not written (or not spliced) and this test fails.
 */
describe('graphql-ws calls the replacer as the fast path needs', () => {
  it('sends spliced, byte-identical `next` messages through makeServer', async () => {
    const json = createSharedJson();
    const shared = result('through graphql-ws');
    json.share(shared);
    const own = result('own');
    const texts: string[] = [];
    const raws: string[] = [];
    let deliver!: (text: string) => Promise<void>;
    const server = makeServer({
      jsonMessageReplacer: json.replacer,
      onSubscribe: () => ({ schema: undefined as never, document: parse('subscription { s }') }),
      subscribe: async function* () {
        yield shared;
        yield own;
        yield shared;
      },
      onNext: (_ctx, _id, _payload, _args, r) => r,
    });
    const closed = server.opened(
      {
        protocol: 'graphql-transport-ws',
        send: async (text) => {
          raws.push(text);
          texts.push(json.splice(text));
        },
        close: () => {},
        onMessage: (cb) => (deliver = cb),
      },
      {},
    );
    await deliver(JSON.stringify({ type: 'connection_init' }));
    await deliver(JSON.stringify({ id: 's1', type: 'subscribe', payload: { query: '' } }));
    await closed(1000, 'done');
    expect(texts).toEqual([
      '{"type":"connection_ack"}',
      JSON.stringify({ id: 's1', type: 'next', payload: shared }),
      JSON.stringify({ id: 's1', type: 'next', payload: own }),
      JSON.stringify({ id: 's1', type: 'next', payload: shared }),
      '{"id":"s1","type":"complete"}',
    ]);
    // The shared results went as placeholders: the fast path, not a lucky slow one.
    expect(raws[1]).not.toContain('through graphql-ws');
    expect(raws[2]).toContain('"own"');
    expect(json.spliced).toBe(2);
  });
});
