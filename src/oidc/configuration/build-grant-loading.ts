import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { hasPreApproval, isPreApproved, preApprovalOf, type PreApproval } from '../pre-approval.js';

type Grant = InstanceType<KoaContextWithOIDC['oidc']['provider']['Grant']>;

interface Missing {
  scopes: string[];
  claims: string[];
  resources: Array<[indicator: string, scopes: string[]]>;
}

/** What this request asks for that the grant does not hold yet (the consent prompt's own questions). */
function missingFrom(ctx: KoaContextWithOIDC, grant: Grant | undefined): Missing {
  const requested = ctx.oidc.requestParamScopes;
  const held = new Set(grant?.getOIDCScope().split(' ') ?? []);
  const heldClaims = new Set(grant?.getOIDCClaims() ?? []);
  const resources = Object.entries(ctx.oidc.resourceServers ?? {}).map(([indicator, server]): [string, string[]] => {
    const offered = new Set(String((server as { scope?: unknown }).scope ?? '').split(' '));
    const heldThere = new Set(grant?.getResourceScope(indicator).split(' ') ?? []);
    return [indicator, [...requested].filter((scope) => offered.has(scope) && !heldThere.has(scope))];
  });
  return {
    scopes: [...ctx.oidc.requestParamOIDCScopes].filter((scope) => !held.has(scope)),
    claims: [...(ctx.oidc.requestParamClaims ?? [])].filter((claim) => !heldClaims.has(claim)),
    resources: resources.filter(([, scopes]) => scopes.length > 0),
  };
}

/** True when nothing missing needs the person: every scope was approved by an operator, and no claim was asked by name. */
function coveredByApproval(missing: Missing, approval: PreApproval): boolean {
  if (approval.everything) return true;
  const scopes = [...missing.scopes, ...missing.resources.flatMap(([, scopes]) => scopes)];
  return missing.claims.length === 0 && scopes.every((scope) => isPreApproved(approval, scope));
}

function isEmpty(missing: Missing): boolean {
  return missing.scopes.length === 0 && missing.claims.length === 0 && missing.resources.length === 0;
}

/**
 * loadExistingGrant: the grant of this session for the client (after consent,
 * the one consent saved), as oidc-provider's default does. For a client an
 * operator approved in advance (pre-approval.ts) the grant is also completed
 * with what the request asks for, when all of it is pre-approved, so the
 * consent prompt finds nothing missing and is skipped: a first-party client,
 * and a client whose auto_approve_scopes cover the request. An older grant
 * (say, without offline_access) is topped up rather than winning, so skipping
 * consent never changes what is granted. When something else is missing the
 * grant is left alone and the consent page asks (interactions/consent.ts),
 * showing only what was not pre-approved.
 */
export function buildGrantLoading(): Pick<Configuration, 'loadExistingGrant'> {
  return {
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const { client, session, provider } = ctx.oidc;
      if (!client || !session) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const existing = grantId ? await provider.Grant.find(grantId) : undefined;
      const approval = preApprovalOf(client);
      if (!hasPreApproval(approval) || !session.accountId) return existing;
      const missing = missingFrom(ctx, existing);
      if (isEmpty(missing) || !coveredByApproval(missing, approval)) return existing;
      const grant = existing ?? new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      if (missing.scopes.length) grant.addOIDCScope(missing.scopes.join(' '));
      if (missing.claims.length) grant.addOIDCClaims(missing.claims);
      for (const [indicator, scopes] of missing.resources) grant.addResourceScope(indicator, scopes.join(' '));
      await grant.save();
      return grant;
    },
  };
}
