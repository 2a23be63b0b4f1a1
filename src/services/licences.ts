/** The OES licence: a tenant without it can neither read nor change OES data. */
export const OES_ENTITLEMENT = 'oes';

/** The audit `resource_type` of an OES connection. */
export const OES_CONNECTION = 'OesConnection';

/**
 * Which resource types need which tenant entitlement to be read, in one list: every read path
 * that is not a service's own query (the audit trail, for one) filters by it.
 */
export const LICENSED_RESOURCES: readonly { resourceType: string; entitlement: string }[] = [
  { resourceType: OES_CONNECTION, entitlement: OES_ENTITLEMENT },
];

/** The entitlement a change or read of `resourceType` needs, if any. */
export function entitlementFor(resourceType: string): string | undefined {
  return LICENSED_RESOURCES.find((r) => r.resourceType === resourceType)?.entitlement;
}
