import type { FieldError } from '../../shared/result.js';
import {
  checkExpectedVersion,
  checkMaxLength,
  checkName,
  checkText,
  checkTenantId,
  checkUuid,
  isUuid,
  notNullable,
} from '../../shared/validate.js';
import type { ConnectionVariable, CredentialKind } from './model.js';

/** One entry of a credential list in the input: a slot id and the config it should use. */
export interface SlotOrderInput {
  id: string;
  authSchemeConfigId: string;
}

export interface UpdateConnectorConnectionArgs {
  organisationId: string;
  connectorId: string;
  connectionId: string;
  input: {
    id?: string | null;
    name: string;
    credentials?: { action: SlotOrderInput[]; trigger: SlotOrderInput[] } | null;
    variables?: ConnectionVariable[] | null;
    expectedVersion?: number | null;
  };
}

/** The checked, normalized request (ids lower case, name trimmed). */
export interface UpdateConnectorConnectionCommand {
  tenantId: string;
  connectorId: string;
  connectionId: string;
  name: string;
  /** Absent: the slots stay as they are. */
  credentials?: Record<CredentialKind, SlotOrderInput[]>;
  /** Absent: the variables stay; `[]`: all deleted; a list: replaces them, in this order. */
  variables?: ConnectionVariable[];
  expectedVersion?: number | null;
}

export const CONNECTION_NAME_MAX = 200;
export const VARIABLES_MAX = 100;
export const VARIABLE_VALUE_MAX = 10_000;
/** A connection's slots of one kind the input may list (a longer list cannot match anyway). */
export const CREDENTIALS_PER_KIND_MAX = 100;
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/;
export const CREDENTIAL_KINDS: readonly CredentialKind[] = ['action', 'trigger'];

/**
 * Checks every input of `updateConnectorConnection` that needs no data, and reports all
 * problems together: the tenant, connector and connection ids; `input.id`, when given, equal
 * to `connectionId`; the name (trimmed, 1–200, no control characters); the credential lists
 * (UUIDs, no slot twice in one list); the variables (at most 100, well-formed unique names,
 * values of at most 10,000 characters of storable text, kept as given); `expectedVersion`. `credentials: null` and
 * `variables: null` are refused: absent keeps them, `[]` clears the variables.
 */
export function validateUpdateConnectorConnection(
  args: UpdateConnectorConnectionArgs,
): { fieldErrors: FieldError[] } | { command: UpdateConnectorConnectionCommand } {
  const errors: FieldError[] = [];
  checkTenantId(['organisationId'], args.organisationId, errors);
  checkUuid(['connectorId'], args.connectorId, errors);
  checkUuid(['connectionId'], args.connectionId, errors);
  const { input } = args;
  const connectionId = args.connectionId.toLowerCase();

  if (input.id != null && input.id.toLowerCase() !== connectionId) {
    errors.push({
      path: ['input', 'id'],
      code: 'ID_MISMATCH',
      message: 'must equal connectionId when given',
    });
  }
  const name = checkName(['input', 'name'], input.name, errors, { max: CONNECTION_NAME_MAX });

  const command: UpdateConnectorConnectionCommand = {
    tenantId: args.organisationId,
    connectorId: args.connectorId.toLowerCase(),
    connectionId,
    name: name ?? input.name,
    expectedVersion: input.expectedVersion,
  };

  if (input.credentials === null) errors.push(notNullable(['input', 'credentials']));
  else if (input.credentials !== undefined) {
    command.credentials = {
      action: checkSlotList('action', input.credentials.action, errors),
      trigger: checkSlotList('trigger', input.credentials.trigger, errors),
    };
  }

  if (input.variables === null) errors.push(notNullable(['input', 'variables']));
  else if (input.variables !== undefined)
    command.variables = checkVariables(input.variables, errors);

  checkExpectedVersion(['input', 'expectedVersion'], input.expectedVersion, errors);
  return errors.length > 0 ? { fieldErrors: errors } : { command };
}

function checkSlotList(
  kind: CredentialKind,
  list: SlotOrderInput[],
  errors: FieldError[],
): SlotOrderInput[] {
  const path = ['input', 'credentials', kind];
  if (list.length > CREDENTIALS_PER_KIND_MAX) {
    errors.push({
      path,
      code: 'TOO_MANY',
      message: `must list at most ${CREDENTIALS_PER_KIND_MAX} credentials`,
    });
    return [];
  }
  const seen = new Set<string>();
  let duplicate = false;
  const out = list.map((item, i) => {
    checkUuid([...path, String(i), 'id'], item.id, errors);
    checkUuid([...path, String(i), 'authSchemeConfigId'], item.authSchemeConfigId, errors);
    const id = item.id.toLowerCase();
    if (isUuid(id)) {
      if (seen.has(id)) duplicate = true;
      seen.add(id);
    }
    return { id, authSchemeConfigId: item.authSchemeConfigId.toLowerCase() };
  });
  if (duplicate)
    errors.push({ path, code: 'DUPLICATE', message: 'must not list a credential twice' });
  return out;
}

function checkVariables(list: ConnectionVariable[], errors: FieldError[]): ConnectionVariable[] {
  const path = ['input', 'variables'];
  if (list.length > VARIABLES_MAX) {
    errors.push({
      path,
      code: 'TOO_MANY',
      message: `must hold at most ${VARIABLES_MAX} variables`,
    });
    return [];
  }
  const seen = new Set<string>();
  list.forEach((variable, i) => {
    const namePath = [...path, String(i), 'name'];
    if (!VARIABLE_NAME.test(variable.name)) {
      errors.push({
        path: namePath,
        code: 'INVALID_NAME',
        message:
          'must be 1-100 characters: letters, digits, "_", "." or "-", starting with a letter or "_"',
      });
    } else if (seen.has(variable.name)) {
      errors.push({
        path: namePath,
        code: 'DUPLICATE',
        message: 'another variable already has this name',
      });
    }
    seen.add(variable.name);
    const valuePath = [...path, String(i), 'value'];
    if (checkText(valuePath, variable.value, errors)) {
      checkMaxLength(valuePath, variable.value, VARIABLE_VALUE_MAX, errors);
    }
  });
  return list.map((v) => ({ name: v.name, value: v.value }));
}

/** A slot as it is now, with the scheme type of its current config. */
export interface CurrentSlot {
  id: string;
  kind: CredentialKind;
  position: number;
  authSchemeConfigId: string;
  schemeType: string;
}

/** A slot's new place and config. */
export interface SlotUpdate {
  id: string;
  position: number;
  authSchemeConfigId: string;
}

/**
 * The rules of a credential reorder against the connection's current slots (given in order)
 * and the connector's configs among the requested ones: each list holds exactly the current
 * slots of its kind (else `CREDENTIALS_MISMATCH` at the list); each config is the connector's
 * (else `UNKNOWN_AUTH_SCHEME_CONFIG`) with the slot's current scheme type (else
 * `SCHEME_TYPE_CHANGED`), all reported together. Otherwise: the slots whose position or config
 * moves, and whether the order or any config changes at all.
 */
export function planCredentialOrder(
  current: readonly CurrentSlot[],
  connectorConfigs: readonly { id: string; schemeType: string }[],
  requested: Record<CredentialKind, SlotOrderInput[]>,
): { fieldErrors: FieldError[] } | { updates: SlotUpdate[]; changed: boolean } {
  const errors: FieldError[] = [];
  const configs = new Map(connectorConfigs.map((c) => [c.id, c]));
  const updates: SlotUpdate[] = [];
  let changed = false;
  for (const kind of CREDENTIAL_KINDS) {
    const path = ['input', 'credentials', kind];
    const slots = current.filter((s) => s.kind === kind);
    const byId = new Map(slots.map((s) => [s.id, s]));
    const list = requested[kind];
    if (list.length !== slots.length || list.some((item) => !byId.has(item.id))) {
      errors.push({
        path,
        code: 'CREDENTIALS_MISMATCH',
        message: `must list exactly the connection's current ${kind} credentials, each once`,
      });
    }
    list.forEach((item, i) => {
      const configPath = [...path, String(i), 'authSchemeConfigId'];
      const config = configs.get(item.authSchemeConfigId);
      const slot = byId.get(item.id);
      if (!config) {
        errors.push({
          path: configPath,
          code: 'UNKNOWN_AUTH_SCHEME_CONFIG',
          message: 'is not an auth scheme config of this connector',
        });
      } else if (slot && config.schemeType !== slot.schemeType) {
        errors.push({
          path: configPath,
          code: 'SCHEME_TYPE_CHANGED',
          message: `must be a config of scheme type ${slot.schemeType}, the credential's current scheme type`,
        });
      }
      if (!slot) return;
      if (slots[i]?.id !== item.id || slot.authSchemeConfigId !== item.authSchemeConfigId)
        changed = true;
      if (slot.position !== i || slot.authSchemeConfigId !== item.authSchemeConfigId) {
        updates.push({ id: item.id, position: i, authSchemeConfigId: item.authSchemeConfigId });
      }
    });
  }
  return errors.length > 0 ? { fieldErrors: errors } : { updates, changed };
}

/** Whether two variable lists are the same names and values in the same order. */
export function sameVariables(
  a: readonly ConnectionVariable[],
  b: readonly ConnectionVariable[],
): boolean {
  return a.length === b.length && a.every((v, i) => v.name === b[i].name && v.value === b[i].value);
}
