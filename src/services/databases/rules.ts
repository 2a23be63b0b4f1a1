import { isIP } from 'node:net';
import type { Updateable } from 'kysely';
import type { DatabaseConnectionsTable } from '../../../db/tables/databases.js';
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

/** Checks one sent value: the normalized value, or undefined after pushing its errors. */
interface Check<Sent, Value> {
  (path: string[], value: Sent, errors: FieldError[]): Value | undefined;
}

type Columns = Updateable<DatabaseConnectionsTable>;
/** The columns that may hold null: only these can store an optional field. */
type NullableColumn = {
  [C in keyof Columns]-?: null extends Columns[C] ? C : never;
}[keyof Columns];

/**
 * A plain field: stored in one column as `check` returns it, changed when it differs (`!==`),
 * recorded in the audit event with its old and new value, returned by every read as stored
 * (and declared on the GraphQL output with its input, see `@PlainPatchField`). `required`:
 * null is NOT_NULLABLE; `optional`: null clears the column. The compiler checks the column
 * against the table: it must exist and take the checked value (and null, when optional).
 */
const required = <C extends keyof Columns, Sent, Value extends NonNullable<Columns[C]>>(
  column: C,
  check: Check<Sent, Value>,
) => ({ column, nullable: false as const, check });

const optional = <
  C extends NullableColumn & keyof Columns,
  Sent,
  Value extends NonNullable<Columns[C]>,
>(
  column: C,
  check: Check<Sent, Value>,
) => ({ column, nullable: true as const, check });

/** A field whose rule, diff and read-back are written out by hand (a secret or a JSON value). */
const BY_HAND = { byHand: true } as const;

/**
 * The fields `patchDatabaseConnection` can change, written once, in the order the rules
 * report them and the audit event records them. For a plain field (`required`, `optional`)
 * this entry is all there is: its rule, its column, the diff, the audit, the read-back and
 * the GraphQL output come from it. The resolver copies exactly these fields from the input,
 * the rules require at least one, and the compiler checks the GraphQL input class against
 * this list (`databases.inputs.ts`).
 */
export const PATCH_FIELDS = {
  name: required('name', (path, value: string, errors) =>
    checkName(path, value, errors, { min: NAME_MIN, max: NAME_MAX }),
  ),
  type: required('type', checkEngine),
  host: required('host', checkHost),
  port: required('port', checkPort),
  databaseName: required('database_name', checkIdentifier),
  username: required('username', checkIdentifier),
  password: BY_HAND,
  schema: optional('schema', checkIdentifier),
  ssl: BY_HAND,
  metadata: BY_HAND,
};
export type PatchField = keyof typeof PATCH_FIELDS;
export const PATCH_FIELD_NAMES = Object.keys(PATCH_FIELDS) as PatchField[];

type Entry<F extends PatchField> = (typeof PATCH_FIELDS)[F];
/** The fields that are not `BY_HAND`. */
export type PlainField = {
  [F in PatchField]: Entry<F> extends typeof BY_HAND ? never : F;
}[PatchField];
export const PLAIN_FIELDS = PATCH_FIELD_NAMES.filter(
  (field): field is PlainField => PATCH_FIELDS[field] !== BY_HAND,
);
/** A plain field's value as stored and read: what its check returns, or null when optional. */
export type PlainValue<F extends PlainField> =
  | Exclude<ReturnType<Entry<F>['check']>, undefined>
  | (Entry<F>['nullable'] extends true ? null : never);
/** The plain fields of a connection with their values. */
export type PlainValues = { [F in PlainField]: PlainValue<F> };

/** How each field is sent: a plain field as its check takes it, the others as written here. */
type PatchArgTypes = { [F in PlainField]: Parameters<Entry<F>['check']>[1] } & {
  password: string;
  ssl: DatabaseSslArgs;
  metadata: Record<string, unknown>;
};

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
export type PatchDatabaseConnectionCommand = { [F in PlainField]?: PlainValue<F> } & {
  connectionId: string;
  password?: string | null;
  ssl?: SslPatch | null;
  metadata?: Record<string, string>;
  expectedVersion?: number | null;
};

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

  for (const field of PATCH_FIELD_NAMES) {
    if (field === 'password') {
      if (input.password !== undefined) {
        command.password =
          input.password === null ? null : checkPassword(at(field), input.password, errors);
      }
    } else if (field === 'ssl') {
      if (input.ssl !== undefined) {
        command.ssl = input.ssl === null ? null : checkSsl(at(field), input.ssl, errors);
      }
    } else if (field === 'metadata') {
      if (input.metadata !== undefined) {
        command.metadata =
          input.metadata === null ? {} : checkMetadata(at(field), input.metadata, errors);
      }
    } else checkPlainField(field, input[field], command, errors);
  }

  if (!PATCH_FIELD_NAMES.some((field) => input[field] !== undefined)) {
    errors.push({
      path: ['input'],
      code: 'NOTHING_TO_UPDATE',
      message: `give at least one of ${PATCH_FIELD_NAMES.join(', ')}`,
    });
  }
  checkExpectedVersion(at('expectedVersion'), input.expectedVersion, errors);
  return errors.length > 0 ? { fieldErrors: errors } : { command };
}

/**
 * A plain field as sent: absent keeps it, null clears an optional one (NOT_NULLABLE on a
 * required one), a value goes through the field's check into the command.
 */
function checkPlainField(
  field: PlainField,
  value: unknown,
  command: PatchDatabaseConnectionCommand,
  errors: FieldError[],
): void {
  if (value === undefined) return;
  // `required`/`optional` matched each entry's check with its column and input type; here
  // `field` is any plain field, so the value is only passed through.
  const entry = PATCH_FIELDS[field] as { nullable: boolean; check: Check<unknown, unknown> };
  const values = command as Record<PlainField, unknown>;
  const path = ['input', field];
  if (value !== null) values[field] = entry.check(path, value, errors);
  else if (entry.nullable) values[field] = null;
  else errors.push(notNullable(path));
}

/** A database name, user or schema name (`IDENTIFIER`). */
function checkIdentifier(path: string[], value: string, errors: FieldError[]) {
  return checkName(path, value, errors, IDENTIFIER);
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
