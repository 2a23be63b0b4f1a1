import type { FieldError } from '../../shared/result.js';
import {
  checkExpectedVersion,
  checkTenantId,
  checkUuid,
  notNullable,
} from '../../shared/validate.js';

export interface SetConnectionClientEnabledArgs {
  tenantId: string;
  connectionId: string;
  input: {
    clientId?: string | null;
    enabled?: boolean | null;
    expectedVersion?: number | null;
  };
}

export interface SetConnectionClientEnabledCommand {
  tenantId: string;
  connectionId: string;
  clientId: string;
  enabled: boolean;
  expectedVersion?: number | null;
}

export const CLIENT_ID_MAX = 128;
const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A Nexus client id: 1–128 characters of letters, digits, `.`, `_`, `-`, starting with a letter or digit. */
export const isClientId = (value: string): boolean =>
  value.length <= CLIENT_ID_MAX && CLIENT_ID.test(value);

/**
 * Checks every input of `setConnectionClientEnabled` and reports all problems together: the
 * tenant id, the connection UUID, a `clientId` that is present, not null and well-formed
 * (client ids are case-sensitive and kept as given), `enabled` present, and `expectedVersion`.
 */
export function validateSetConnectionClientEnabled(
  args: SetConnectionClientEnabledArgs,
): { fieldErrors: FieldError[] } | { command: SetConnectionClientEnabledCommand } {
  const errors: FieldError[] = [];
  checkTenantId(['tenantId'], args.tenantId, errors);
  checkUuid(['connectionId'], args.connectionId, errors);
  const { input } = args;

  const { clientId, enabled } = input;
  if (clientId === undefined) errors.push(required(['input', 'clientId']));
  else if (clientId === null) errors.push(notNullable(['input', 'clientId']));
  else if (!isClientId(clientId)) {
    errors.push({
      path: ['input', 'clientId'],
      code: 'INVALID_ID',
      message: `must be 1-${CLIENT_ID_MAX} characters: letters, digits, ".", "_" or "-", starting with a letter or digit`,
    });
  }
  // `enabled` is `Boolean!` in the schema; checked anyway so the service stands on its own.
  if (enabled === undefined) errors.push(required(['input', 'enabled']));
  else if (enabled === null) errors.push(notNullable(['input', 'enabled']));
  checkExpectedVersion(['input', 'expectedVersion'], input.expectedVersion, errors);

  if (errors.length > 0 || typeof clientId !== 'string' || typeof enabled !== 'boolean') {
    return { fieldErrors: errors };
  }
  return {
    command: {
      tenantId: args.tenantId,
      connectionId: args.connectionId.toLowerCase(),
      clientId,
      enabled,
      expectedVersion: input.expectedVersion,
    },
  };
}

function required(path: string[]): FieldError {
  return { path, code: 'REQUIRED', message: 'is required' };
}
