import type Provider from 'oidc-provider';

/**
 * A device code that has already been exchanged reads as unknown, so a poll
 * of it is answered invalid_grant ("device code not found") without revoking.
 *
 * oidc-provider treats a consumed device code like a replayed authorization
 * code: lib/helpers/grant_source.js consumeGrantSource() revokes the grant and
 * every token issued under it. RFC 6749 §4.1.2 asks for that for
 * authorization codes only; RFC 8628 has no such rule, and a device routinely
 * polls again (a retry after a timeout, two polls crossing on a slow network,
 * two instances behind a balancer). Measured before this: of 20 concurrent
 * polls of an approved code, the one that got tokens had them revoked by
 * another poll in 10 races of 10, and the grant sometimes went before the
 * winner could load it, leaving every poll with invalid_grant. Polls that lose
 * the consume race itself are kept from revoking in listeners/replay.ts.
 */
export function treatSpentDeviceCodesAsUnknown(provider: Provider): void {
  // The model class is created once per provider and cached (provider.DeviceCode),
  // so the grant handler, device_resume and this wrapper all see the same static find.
  const DeviceCode = provider.DeviceCode as unknown as { find: FindDeviceCode };
  const find = DeviceCode.find.bind(DeviceCode);
  DeviceCode.find = async (id, options) => {
    const code = await find(id, options);
    return code?.consumed ? undefined : code;
  };
}

type FindDeviceCode = (id: string, options?: object) => Promise<{ consumed?: unknown } | undefined>;
