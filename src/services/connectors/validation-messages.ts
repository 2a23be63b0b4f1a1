import { isoString } from '../../shared/iso-string.js';

/** How serious a validation message is (the seed's values, upper-cased like every enum value). */
export type ValidationSeverity = 'INFO' | 'WARNING' | 'ERROR';

/** A finding about a credential slot, computed by the server (never taken from a caller). */
export interface ValidationMessage {
  text: string;
  severity: ValidationSeverity;
  detail: string[];
}

/** A credential that expires within this window gets a warning. */
export const EXPIRY_WARNING_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The validation messages of one slot, i.e. of one (auth scheme config, credential) pair:
 * a credential whose type is not the config's scheme type is an error; an expired credential
 * is an error, one expiring within 7 days a warning; errors the credential carries are a
 * warning listing them in `detail`. A sound pair has none. Pure: `now` is passed in.
 */
export function validationMessagesFor(
  config: { schemeType: string },
  credential: { type: string; errors: readonly string[]; expiresAt: Date | null },
  now: Date,
): ValidationMessage[] {
  const messages: ValidationMessage[] = [];
  if (credential.type !== config.schemeType) {
    messages.push({
      text: 'credential type does not match the scheme',
      severity: 'ERROR',
      detail: [`credential type: ${credential.type}`, `scheme type: ${config.schemeType}`],
    });
  }
  if (credential.expiresAt) {
    const left = credential.expiresAt.getTime() - now.getTime();
    if (left <= 0) {
      messages.push({
        text: 'credential has expired',
        severity: 'ERROR',
        detail: [`expired at ${isoString(credential.expiresAt)}`],
      });
    } else if (left <= EXPIRY_WARNING_MS) {
      messages.push({
        text: 'credential expires within 7 days',
        severity: 'WARNING',
        detail: [`expires at ${isoString(credential.expiresAt)}`],
      });
    }
  }
  if (credential.errors.length > 0) {
    messages.push({
      text: 'credential has errors',
      severity: 'WARNING',
      detail: [...credential.errors],
    });
  }
  return messages;
}
