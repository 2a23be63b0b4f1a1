import type { AppAuthConfigRow } from '../../../db/tables/apps.js';
import type { FieldError } from '../../shared/result.js';
import {
  checkExpectedVersion,
  checkMaxLength,
  checkName,
  checkText,
  checkTenantId,
  checkUuid,
} from '../../shared/validate.js';

export interface ReplaceOrgConnectionArgs {
  organisationId: string;
  connectionId: string;
  input: {
    name: string;
    data: { apiKey: string };
    expectedVersion?: number | null;
  };
}

export interface ReplaceOrgConnectionCommand {
  tenantId: string;
  connectionId: string;
  /** Trimmed. */
  name: string;
  /** Exactly as given: secrets are never trimmed or otherwise rewritten. */
  apiKey: string;
  expectedVersion?: number | null;
}

export const ORG_CONNECTION_NAME_MAX = 200;
export const API_KEY_MAX = 4096;

/** The auth config type an org connection authenticates with. */
export const APIKEY_AUTH_TYPE = 'apikey';

/**
 * Checks every input of `replaceOrgConnection` and reports all problems together: ids, a
 * name of 1–200 characters (trimmed, no control characters), an API key of 1–4096
 * characters that is not only whitespace (kept exactly as given, never trimmed), and an
 * `expectedVersion` of 1 or more. No message quotes the API key.
 */
export function validateReplaceOrgConnection(
  args: ReplaceOrgConnectionArgs,
): { fieldErrors: FieldError[] } | { command: ReplaceOrgConnectionCommand } {
  const errors: FieldError[] = [];
  checkTenantId(['organisationId'], args.organisationId, errors);
  checkUuid(['connectionId'], args.connectionId, errors);
  const { input } = args;
  const name = checkName(['input', 'name'], input.name, errors, { max: ORG_CONNECTION_NAME_MAX });
  checkApiKey(['input', 'data', 'apiKey'], input.data.apiKey, errors);
  checkExpectedVersion(['input', 'expectedVersion'], input.expectedVersion, errors);
  if (errors.length > 0) return { fieldErrors: errors };
  return {
    command: {
      tenantId: args.organisationId,
      connectionId: args.connectionId.toLowerCase(),
      name: name!,
      apiKey: input.data.apiKey,
      expectedVersion: input.expectedVersion,
    },
  };
}

/**
 * An API key: storable text, 1–4096 characters and not only whitespace. It is checked as
 * given and never trimmed or normalised (a secret's bytes are the caller's), and no message
 * repeats it.
 */
function checkApiKey(path: string[], value: string, errors: FieldError[]): void {
  if (!checkText(path, value, errors)) return;
  if (value.trim().length === 0) {
    errors.push({ path, code: 'BLANK', message: 'must not be empty or only whitespace' });
  } else checkMaxLength(path, value, API_KEY_MAX, errors);
}

/**
 * The auth config an API-key connection of this App uses: the connection's current one when
 * it is still a valid `apikey` config (so a replace does not hop between equivalent configs),
 * else the App's first valid `apikey` config by position; `undefined` when the App has none.
 */
export function apiKeyAuthConfig(
  configs: readonly AppAuthConfigRow[],
  currentId: string | null,
): AppAuthConfigRow | undefined {
  const usable = configs.filter((c) => c.type === APIKEY_AUTH_TYPE && c.is_valid);
  return usable.find((c) => c.id === currentId) ?? usable[0];
}
