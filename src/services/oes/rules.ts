import type { FieldError } from '../../shared/result.js';
import {
  checkExpectedVersion,
  checkName,
  checkTenantId,
  checkUuid,
  notNullable,
} from '../../shared/validate.js';

export interface UpdateOesConnectionArgs {
  enterpriseId: string;
  connectionId: string;
  input: {
    name?: string | null;
    active?: boolean | null;
    expectedVersion?: number | null;
  };
}

export interface UpdateOesConnectionCommand {
  tenantId: string;
  connectionId: string;
  name?: string;
  active?: boolean;
  expectedVersion?: number | null;
}

export const OES_NAME_MAX = 200;

/**
 * Checks every input of `updateOesConnection` and reports all problems together: ids, a
 * name of 1–200 characters (trimmed), no explicit null on `name` or `active` (neither can be
 * cleared), and at least one of them given.
 */
export function validateUpdateOesConnection(
  args: UpdateOesConnectionArgs,
): { fieldErrors: FieldError[] } | { command: UpdateOesConnectionCommand } {
  const errors: FieldError[] = [];
  checkTenantId(['enterpriseId'], args.enterpriseId, errors);
  checkUuid(['connectionId'], args.connectionId, errors);
  const { input } = args;
  const command: UpdateOesConnectionCommand = {
    tenantId: args.enterpriseId,
    connectionId: args.connectionId.toLowerCase(),
    expectedVersion: input.expectedVersion,
  };

  if (input.name === null) errors.push(notNullable(['input', 'name']));
  else if (input.name !== undefined) {
    command.name = checkName(['input', 'name'], input.name, errors, { max: OES_NAME_MAX });
  }
  if (input.active === null) errors.push(notNullable(['input', 'active']));
  else if (input.active !== undefined) command.active = input.active;

  if (input.name === undefined && input.active === undefined) {
    errors.push({
      path: ['input'],
      code: 'NOTHING_TO_UPDATE',
      message: 'give at least one of name or active',
    });
  }
  checkExpectedVersion(['input', 'expectedVersion'], input.expectedVersion, errors);
  return errors.length > 0 ? { fieldErrors: errors } : { command };
}
