import { errors } from 'oidc-provider';

/**
 * Thrown by consume() for the loser of a race to redeem the same code or
 * refresh token. As an InvalidGrant it reaches the client as 400
 * invalid_grant (RFC 6749 §5.2) rather than a 500, and grantId lets a
 * `grant.error` listener revoke the grant the replayed credential belonged to.
 */
export class AlreadyConsumedError extends errors.InvalidGrant {
  readonly grantId: string | undefined;

  constructor(grantId: string | undefined) {
    // Like oidc-provider's own "authorization code already consumed": the
    // detail is the human-readable part, `error` stays invalid_grant.
    super('grant already consumed');
    this.grantId = grantId;
  }
}

/**
 * consume() found nothing to consume: the entity expired (or was revoked)
 * between the provider's find and its consume. Not a replay, so nothing is
 * revoked; the client still gets invalid_grant.
 */
export class ConsumeTargetMissingError extends errors.InvalidGrant {
  constructor() {
    super('grant expired or revoked before it could be consumed');
  }
}

/**
 * consume() was handed a device-code handle (storage-id.ts), which stands for
 * a device code on the verification pages and is never redeemable: tokens go
 * only to whoever holds the device code itself. Not a replay.
 */
export class NotRedeemableError extends errors.InvalidGrant {
  constructor() {
    super('device code not found');
  }
}
