import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  planCredentialOrder,
  sameVariables,
  validateUpdateConnectorConnection,
  type CurrentSlot,
  type UpdateConnectorConnectionArgs,
} from '../../src/services/connectors/rules.js';
import { validationMessagesFor } from '../../src/services/connectors/validation-messages.js';

const DAY = 24 * 60 * 60 * 1000;
const now = new Date('2026-11-23T12:00:00.000Z');

describe('validationMessagesFor', () => {
  const config = { schemeType: 'api-key' };
  const sound = { type: 'api-key', errors: [], expiresAt: null };

  it('a sound pair has no messages', () => {
    expect(validationMessagesFor(config, sound, now)).toEqual([]);
    const far = { ...sound, expiresAt: new Date(now.getTime() + 8 * DAY) };
    expect(validationMessagesFor(config, far, now)).toEqual([]);
  });

  it('a credential of another type than the scheme is an error', () => {
    expect(validationMessagesFor(config, { ...sound, type: 'oauth2' }, now)).toEqual([
      {
        text: 'credential type does not match the scheme',
        severity: 'ERROR',
        detail: ['credential type: oauth2', 'scheme type: api-key'],
      },
    ]);
  });

  it('an expired credential is an error; expiring at this instant counts as expired', () => {
    for (const expiresAt of [new Date(now.getTime() - 1), now]) {
      expect(validationMessagesFor(config, { ...sound, expiresAt }, now)).toEqual([
        {
          text: 'credential has expired',
          severity: 'ERROR',
          detail: [`expired at ${expiresAt.toISOString()}`],
        },
      ]);
    }
  });

  it('a credential expiring within 7 days is a warning, one expiring later is not', () => {
    const soon = new Date(now.getTime() + 7 * DAY);
    expect(validationMessagesFor(config, { ...sound, expiresAt: soon }, now)).toEqual([
      {
        text: 'credential expires within 7 days',
        severity: 'WARNING',
        detail: [`expires at ${soon.toISOString()}`],
      },
    ]);
    const later = new Date(now.getTime() + 7 * DAY + 1);
    expect(validationMessagesFor(config, { ...sound, expiresAt: later }, now)).toEqual([]);
  });

  it("a credential's errors are a warning with the errors as detail", () => {
    expect(
      validationMessagesFor(
        config,
        { ...sound, errors: ['revoked upstream', 'rate limited'] },
        now,
      ),
    ).toEqual([
      {
        text: 'credential has errors',
        severity: 'WARNING',
        detail: ['revoked upstream', 'rate limited'],
      },
    ]);
  });

  it('reports every finding together: type, expiry, errors', () => {
    const bad = { type: 'hmac', errors: ['x'], expiresAt: new Date(now.getTime() - DAY) };
    expect(validationMessagesFor(config, bad, now).map((m) => [m.severity, m.text])).toEqual([
      ['ERROR', 'credential type does not match the scheme'],
      ['ERROR', 'credential has expired'],
      ['WARNING', 'credential has errors'],
    ]);
  });
});

describe('planCredentialOrder', () => {
  const [a1, a2, t1] = [randomUUID(), randomUUID(), randomUUID()];
  const [keyA, keyB, oauthA, hmacA] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const current: CurrentSlot[] = [
    { id: a1, kind: 'action', position: 0, authSchemeConfigId: keyA, schemeType: 'api-key' },
    { id: a2, kind: 'action', position: 1, authSchemeConfigId: oauthA, schemeType: 'oauth2' },
    { id: t1, kind: 'trigger', position: 0, authSchemeConfigId: hmacA, schemeType: 'hmac' },
  ];
  const configs = [
    { id: keyA, schemeType: 'api-key' },
    { id: keyB, schemeType: 'api-key' },
    { id: oauthA, schemeType: 'oauth2' },
    { id: hmacA, schemeType: 'hmac' },
  ];
  const same = {
    action: [
      { id: a1, authSchemeConfigId: keyA },
      { id: a2, authSchemeConfigId: oauthA },
    ],
    trigger: [{ id: t1, authSchemeConfigId: hmacA }],
  };

  it('the same order and configs change nothing', () => {
    expect(planCredentialOrder(current, configs, same)).toEqual({ updates: [], changed: false });
  });

  it('a reorder moves both slots', () => {
    const swapped = { ...same, action: [same.action[1], same.action[0]] };
    expect(planCredentialOrder(current, configs, swapped)).toEqual({
      changed: true,
      updates: [
        { id: a2, position: 0, authSchemeConfigId: oauthA },
        { id: a1, position: 1, authSchemeConfigId: keyA },
      ],
    });
  });

  it('a config switch within the scheme type updates that slot only', () => {
    const switched = { ...same, action: [{ id: a1, authSchemeConfigId: keyB }, same.action[1]] };
    expect(planCredentialOrder(current, configs, switched)).toEqual({
      changed: true,
      updates: [{ id: a1, position: 0, authSchemeConfigId: keyB }],
    });
  });

  it('the same order over gapped positions is no change', () => {
    const gapped = current.map((s) => (s.id === a2 ? { ...s, position: 5 } : s));
    expect(planCredentialOrder(gapped, configs, same)).toMatchObject({ changed: false });
  });

  it('refuses lists that are not exactly the current slots of their kind, and bad configs, all together', () => {
    const result = planCredentialOrder(current, configs, {
      action: [
        { id: a1, authSchemeConfigId: oauthA },
        { id: t1, authSchemeConfigId: randomUUID() },
      ],
      trigger: [],
    });
    expect(result).toEqual({
      fieldErrors: [
        expect.objectContaining({
          path: ['input', 'credentials', 'action'],
          code: 'CREDENTIALS_MISMATCH',
        }),
        expect.objectContaining({
          path: ['input', 'credentials', 'action', '0', 'authSchemeConfigId'],
          code: 'SCHEME_TYPE_CHANGED',
        }),
        expect.objectContaining({
          path: ['input', 'credentials', 'action', '1', 'authSchemeConfigId'],
          code: 'UNKNOWN_AUTH_SCHEME_CONFIG',
        }),
        expect.objectContaining({
          path: ['input', 'credentials', 'trigger'],
          code: 'CREDENTIALS_MISMATCH',
        }),
      ],
    });
  });

  it('a list missing one slot is a mismatch', () => {
    const result = planCredentialOrder(current, configs, { ...same, action: [same.action[0]] });
    expect(result).toEqual({
      fieldErrors: [
        expect.objectContaining({
          path: ['input', 'credentials', 'action'],
          code: 'CREDENTIALS_MISMATCH',
        }),
      ],
    });
  });
});

describe('sameVariables', () => {
  it('compares names and values in order', () => {
    const a = [
      { name: 'x', value: '1' },
      { name: 'y', value: '2' },
    ];
    expect(sameVariables(a, [...a])).toBe(true);
    expect(sameVariables(a, [a[1], a[0]])).toBe(false);
    expect(sameVariables(a, [a[0], { name: 'y', value: '3' }])).toBe(false);
    expect(sameVariables(a, [a[0]])).toBe(false);
    expect(sameVariables([], [])).toBe(true);
  });
});

describe('validateUpdateConnectorConnection', () => {
  const base = (): UpdateConnectorConnectionArgs => ({
    organisationId: 'acme',
    connectorId: randomUUID(),
    connectionId: randomUUID(),
    input: { name: 'Main' },
  });

  it('normalizes ids to lower case and trims the name', () => {
    const args = base();
    const id = randomUUID();
    const result = validateUpdateConnectorConnection({
      ...args,
      connectionId: args.connectionId.toUpperCase(),
      input: {
        id: args.connectionId,
        name: '  Main  ',
        credentials: {
          action: [{ id: id.toUpperCase(), authSchemeConfigId: id.toUpperCase() }],
          trigger: [],
        },
      },
    });
    expect(result).toEqual({
      command: {
        tenantId: 'acme',
        connectorId: args.connectorId,
        connectionId: args.connectionId,
        name: 'Main',
        credentials: { action: [{ id, authSchemeConfigId: id }], trigger: [] },
        expectedVersion: undefined,
      },
    });
  });

  it('a variable list of exactly 100 passes, 101 does not', () => {
    const vars = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `v${i}`, value: '' }));
    expect(
      validateUpdateConnectorConnection({ ...base(), input: { name: 'x', variables: vars(100) } }),
    ).toHaveProperty('command');
    expect(
      validateUpdateConnectorConnection({ ...base(), input: { name: 'x', variables: vars(101) } }),
    ).toEqual({
      fieldErrors: [expect.objectContaining({ path: ['input', 'variables'], code: 'TOO_MANY' })],
    });
  });

  it('variable names: the pattern, its 100-character bound', () => {
    const names = ['_ok', 'a.b-c_D9', 'x'.repeat(100)];
    const bad = ['', '9lives', 'has space', '-x', '.x', 'ü', 'x'.repeat(101)];
    const result = validateUpdateConnectorConnection({
      ...base(),
      input: { name: 'x', variables: [...names, ...bad].map((name) => ({ name, value: 'v' })) },
    });
    expect('fieldErrors' in result && result.fieldErrors.map((e) => e.path.join('.'))).toEqual(
      bad.map((_, i) => `input.variables.${names.length + i}.name`),
    );
  });

  it('refuses more than 100 slots in one credential list', () => {
    const slots = Array.from({ length: 101 }, () => ({
      id: randomUUID(),
      authSchemeConfigId: randomUUID(),
    }));
    expect(
      validateUpdateConnectorConnection({
        ...base(),
        input: { name: 'x', credentials: { action: slots, trigger: [] } },
      }),
    ).toEqual({
      fieldErrors: [
        expect.objectContaining({ path: ['input', 'credentials', 'action'], code: 'TOO_MANY' }),
      ],
    });
  });
});
