import { isIP } from 'node:net';
import type { FieldError } from '../../shared/result.js';
import {
  checkExpectedVersion,
  checkMaxLength,
  checkName,
  checkText,
  checkUuid,
  notNullable,
} from '../../shared/validate.js';

export const DATABASE_ENGINES = ['ORACLE', 'SQL_SERVER', 'POSTGRESQL', 'MONGODB', 'MYSQL'] as const;
export type DatabaseEngine = (typeof DATABASE_ENGINES)[number];

export const DATABASE_SSL_MODES = ['DISABLE', 'REQUIRE', 'VERIFY_CA', 'VERIFY_FULL'] as const;
export type DatabaseSslMode = (typeof DATABASE_SSL_MODES)[number];

export const NAME_MIN = 3;
export const NAME_MAX = 100;
export const IDENTIFIER_MAX = 128;
export const PASSWORD_MAX = 1024;
export const HOST_MAX = 253;
/** Bytes of one PEM text (a certificate chain or a private key). */
export const PEM_MAX_BYTES = 16 * 1024;
export const METADATA_MAX_ENTRIES = 50;
export const METADATA_KEY_MAX = 100;
export const METADATA_VALUE_MAX = 2000;

/**
 * The parts of `ssl`, written once: the GraphQL input, the resolver, the rules and the stored
 * JSON all take them from here (the compiler checks the input class against it). The client
 * key is a secret and is sealed in its own column; the others are stored as JSON.
 */
export const SSL_PARTS = [
  'enabled',
  'mode',
  'caCertificate',
  'clientCertificate',
  'clientKey',
] as const;
export type SslPart = (typeof SSL_PARTS)[number];
/** The SSL parts stored in the `ssl` JSON column (everything but the sealed client key). */
export const STORED_SSL_PARTS = SSL_PARTS.filter(
  (part): part is Exclude<SslPart, 'clientKey'> => part !== 'clientKey',
);

/** `ssl` as sent: each part absent (keep), `null` (clear) or a value (replace). */
export type DatabaseSslArgs = { [K in SslPart]?: SslArgTypes[K] | null };
interface SslArgTypes {
  enabled: boolean;
  mode: string;
  caCertificate: string;
  clientCertificate: string;
  clientKey: string;
}

/**
 * The fields `patchDatabaseConnection` can change, written once: the resolver copies exactly
 * these from the input, the rules require at least one, and the compiler checks the GraphQL
 * input class against this list (`databases.types.ts`). Each is sent as `PatchArgTypes` says.
 */
export const PATCH_FIELDS = [
  'name',
  'type',
  'host',
  'port',
  'databaseName',
  'username',
  'password',
  'schema',
  'ssl',
  'metadata',
] as const;
export type PatchField = (typeof PATCH_FIELDS)[number];
interface PatchArgTypes {
  name: string;
  type: string;
  host: string;
  port: number;
  databaseName: string;
  username: string;
  password: string;
  schema: string;
  ssl: DatabaseSslArgs;
  metadata: Record<string, unknown>;
}

/** The arguments of `patchDatabaseConnection`, absent fields left out, explicit nulls kept. */
export interface PatchDatabaseConnectionArgs {
  connectionId: string;
  input: { [K in PatchField]?: PatchArgTypes[K] | null } & { expectedVersion?: number | null };
}

/** The checked SSL patch: `undefined` keeps a part, `null` clears it. */
export interface SslPatch {
  enabled?: boolean | null;
  mode?: DatabaseSslMode | null;
  caCertificate?: string | null;
  clientCertificate?: string | null;
  clientKey?: string | null;
}

/**
 * The checked, normalized patch. `undefined` = unchanged; `null` = clear (optional fields
 * only); `metadata` is always a whole map (`null` in the input arrives here as `{}`).
 */
export interface PatchDatabaseConnectionCommand {
  connectionId: string;
  name?: string;
  type?: DatabaseEngine;
  host?: string;
  port?: number;
  databaseName?: string;
  username?: string;
  password?: string | null;
  schema?: string | null;
  ssl?: SslPatch | null;
  metadata?: Record<string, string>;
  expectedVersion?: number | null;
}

/** Names another system compares byte for byte: trimmed and checked, never normalised. */
const IDENTIFIER = { max: IDENTIFIER_MAX, nfc: false };

/**
 * Checks every input of `patchDatabaseConnection` and reports all problems together, with
 * their paths: the connection id, `null` on a required field (name, type, host, port,
 * databaseName, username), every field's own rule (name 3–100, engine, host, port 1–65535,
 * identifiers 1–128, password 1–1024, SSL parts, flat metadata), and an input that names no
 * field at all. Returns the normalized command when there is no problem.
 */
export function validatePatchDatabaseConnection(
  args: PatchDatabaseConnectionArgs,
): { fieldErrors: FieldError[] } | { command: PatchDatabaseConnectionCommand } {
  const errors: FieldError[] = [];
  checkUuid(['connectionId'], args.connectionId, errors);
  const { input } = args;
  const at = (...path: string[]) => ['input', ...path];
  const command: PatchDatabaseConnectionCommand = {
    connectionId: args.connectionId.toLowerCase(),
    expectedVersion: input.expectedVersion,
  };

  // Required fields: null is refused, a value is checked.
  if (input.name === null) errors.push(notNullable(at('name')));
  else if (input.name !== undefined) {
    command.name = checkName(at('name'), input.name, errors, { min: NAME_MIN, max: NAME_MAX });
  }
  if (input.type === null) errors.push(notNullable(at('type')));
  else if (input.type !== undefined) command.type = checkEngine(at('type'), input.type, errors);
  if (input.host === null) errors.push(notNullable(at('host')));
  else if (input.host !== undefined) command.host = checkHost(at('host'), input.host, errors);
  if (input.port === null) errors.push(notNullable(at('port')));
  else if (input.port !== undefined) command.port = checkPort(at('port'), input.port, errors);
  if (input.databaseName === null) errors.push(notNullable(at('databaseName')));
  else if (input.databaseName !== undefined) {
    command.databaseName = checkName(at('databaseName'), input.databaseName, errors, IDENTIFIER);
  }
  if (input.username === null) errors.push(notNullable(at('username')));
  else if (input.username !== undefined) {
    command.username = checkName(at('username'), input.username, errors, IDENTIFIER);
  }

  // Optional fields: null clears.
  if (input.password !== undefined) {
    command.password =
      input.password === null ? null : checkPassword(at('password'), input.password, errors);
  }
  if (input.schema !== undefined) {
    command.schema =
      input.schema === null ? null : checkName(at('schema'), input.schema, errors, IDENTIFIER);
  }
  if (input.ssl !== undefined) {
    command.ssl = input.ssl === null ? null : checkSsl(at('ssl'), input.ssl, errors);
  }
  if (input.metadata !== undefined) {
    command.metadata =
      input.metadata === null ? {} : checkMetadata(at('metadata'), input.metadata, errors);
  }

  if (!PATCH_FIELDS.some((field) => input[field] !== undefined)) {
    errors.push({
      path: ['input'],
      code: 'NOTHING_TO_UPDATE',
      message: `give at least one of ${PATCH_FIELDS.join(', ')}`,
    });
  }
  checkExpectedVersion(at('expectedVersion'), input.expectedVersion, errors);
  return errors.length > 0 ? { fieldErrors: errors } : { command };
}

function checkEngine(
  path: string[],
  value: string,
  errors: FieldError[],
): DatabaseEngine | undefined {
  if ((DATABASE_ENGINES as readonly string[]).includes(value)) return value as DatabaseEngine;
  errors.push({
    path,
    code: 'INVALID_VALUE',
    message: `must be one of ${DATABASE_ENGINES.join(', ')}`,
  });
  return undefined;
}

const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * True for an IPv4/IPv6 address or an RFC 1123 host name: labels of 1–63 letters, digits and
 * inner hyphens, at most 253 characters in all, and a last label that is not all digits (so
 * a malformed IPv4 address such as `256.1.1.1` is not taken for a host name).
 */
export function isValidHost(host: string): boolean {
  if (isIP(host) !== 0) return true;
  if (host.length === 0 || host.length > HOST_MAX) return false;
  const labels = host.split('.');
  return labels.every((label) => HOST_LABEL.test(label)) && !/^\d+$/.test(labels.at(-1)!);
}

function checkHost(path: string[], value: string, errors: FieldError[]): string | undefined {
  if (!checkText(path, value, errors)) return undefined;
  const host = value.trim();
  if (host.length === 0) {
    errors.push({ path, code: 'BLANK', message: 'must not be blank' });
    return undefined;
  }
  if (!isValidHost(host)) {
    errors.push({
      path,
      code: 'INVALID_HOST',
      message: 'must be an IPv4 or IPv6 address or a host name (RFC 1123, at most 253 characters)',
    });
    return undefined;
  }
  return host;
}

function checkPort(path: string[], value: number, errors: FieldError[]): number | undefined {
  if (Number.isInteger(value) && value >= 1 && value <= 65535) return value;
  errors.push({ path, code: 'OUT_OF_RANGE', message: 'must be from 1 to 65535' });
  return undefined;
}

/** A password is storable text kept exactly as sent (no trimming, no normalising); messages never quote it. */
function checkPassword(path: string[], value: string, errors: FieldError[]): string | undefined {
  if (!checkText(path, value, errors)) return undefined;
  if (value.length === 0) {
    errors.push({
      path,
      code: 'BLANK',
      message: 'must not be empty (send null to remove the password)',
    });
  } else if (checkMaxLength(path, value, PASSWORD_MAX, errors)) return value;
  return undefined;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)\r?\n?-----END ([A-Z0-9 ]+)-----/g;
const PRIVATE_KEY_LABEL = /^(?:RSA |EC |ENCRYPTED )?PRIVATE KEY$/;

/**
 * A PEM text: one or more `-----BEGIN <label>-----` … `-----END <label>-----` blocks whose
 * labels pass `label`, nothing but whitespace between them, at most 16 KiB. Returns the
 * trimmed text. Messages never quote the value (it may be a private key).
 */
function checkPem(
  path: string[],
  value: string,
  errors: FieldError[],
  { what, label, single }: { what: string; label: (l: string) => boolean; single: boolean },
): string | undefined {
  if (!checkText(path, value, errors)) return undefined;
  const text = value.trim();
  if (text.length === 0) {
    errors.push({ path, code: 'BLANK', message: 'must not be blank (send null to remove it)' });
    return undefined;
  }
  if (Buffer.byteLength(text, 'utf8') > PEM_MAX_BYTES) {
    errors.push({ path, code: 'TOO_LONG', message: `must be at most ${PEM_MAX_BYTES} bytes` });
    return undefined;
  }
  let blocks = 0;
  let wellFormed = true;
  for (const [, begin, body, end] of text.matchAll(PEM_BLOCK)) {
    blocks++;
    if (begin !== end || !label(begin) || body.trim().length === 0) wellFormed = false;
  }
  const outside = text.replace(PEM_BLOCK, '').trim();
  if (!wellFormed || blocks === 0 || outside.length > 0 || (single && blocks !== 1)) {
    errors.push({ path, code: 'INVALID_PEM', message: `must be ${what} in PEM format` });
    return undefined;
  }
  return text;
}

function checkSsl(path: string[], ssl: DatabaseSslArgs, errors: FieldError[]): SslPatch {
  const patch: SslPatch = {};
  const at = (field: string) => [...path, field];
  if (ssl.enabled !== undefined) patch.enabled = ssl.enabled;
  if (ssl.mode !== undefined) {
    if (ssl.mode === null || (DATABASE_SSL_MODES as readonly string[]).includes(ssl.mode)) {
      patch.mode = ssl.mode as DatabaseSslMode | null;
    } else {
      errors.push({
        path: at('mode'),
        code: 'INVALID_VALUE',
        message: `must be one of ${DATABASE_SSL_MODES.join(', ')}`,
      });
    }
  }
  const certificate = {
    what: 'one or more certificates',
    label: (l: string) => l === 'CERTIFICATE',
    single: false,
  };
  for (const field of ['caCertificate', 'clientCertificate'] as const) {
    const value = ssl[field];
    if (value !== undefined) {
      patch[field] = value === null ? null : checkPem(at(field), value, errors, certificate);
    }
  }
  if (ssl.clientKey !== undefined) {
    patch.clientKey =
      ssl.clientKey === null
        ? null
        : checkPem(at('clientKey'), ssl.clientKey, errors, {
            what: 'one private key',
            label: (l) => PRIVATE_KEY_LABEL.test(l),
            single: true,
          });
  }
  if (Object.values(ssl).every((v) => v === undefined)) {
    errors.push({
      path,
      code: 'NOTHING_TO_UPDATE',
      message: 'give at least one SSL option (send ssl: null to remove all SSL settings)',
    });
  }
  return patch;
}

/**
 * `metadata`: a flat map of string values. At most 50 entries (beyond that, only
 * TOO_MANY_ENTRIES is reported, not every entry); keys 1–100 characters; values strings of
 * at most 2000 characters; keys and values storable text (`checkText`), kept as given; a nested object, array, number, boolean or null value is
 * INVALID_METADATA at `["input","metadata",<key>]`.
 */
function checkMetadata(
  path: string[],
  metadata: Record<string, unknown>,
  errors: FieldError[],
): Record<string, string> {
  const entries = Object.entries(metadata);
  if (entries.length > METADATA_MAX_ENTRIES) {
    errors.push({
      path,
      code: 'TOO_MANY_ENTRIES',
      message: `must have at most ${METADATA_MAX_ENTRIES} entries`,
    });
    return {};
  }
  const kept: [string, string][] = [];
  for (const [key, value] of entries) {
    const at = [...path, key];
    if (!checkText(at, key, errors)) continue;
    if (key.length === 0) {
      errors.push({ path: at, code: 'KEY_BLANK', message: 'a key must not be empty' });
    } else {
      checkMaxLength(at, key, METADATA_KEY_MAX, errors, { code: 'KEY_TOO_LONG', what: 'a key ' });
    }
    if (typeof value !== 'string') {
      errors.push({
        path: at,
        code: 'INVALID_METADATA',
        message:
          'must be a string: metadata is a flat string-to-string map, nested values are not allowed',
      });
    } else if (
      checkText(at, value, errors) &&
      checkMaxLength(at, value, METADATA_VALUE_MAX, errors)
    ) {
      kept.push([key, value]);
    }
  }
  // fromEntries defines own properties, so even a key named "__proto__" stays a plain entry.
  return Object.fromEntries(kept);
}
