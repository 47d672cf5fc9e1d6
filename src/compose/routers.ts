import type Provider from 'oidc-provider';
import { createApiRouter } from '../api/create-api-router.js';
import { createProviderReplayCache } from '../api/provider-replay-cache.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config/load-config.js';
import type { DatabaseHandle } from '../db/create-db.js';
import type { AnyMiddleware } from '../http/hot-path.js';
import { createConnectedAppsService } from '../oidc/account-pages/connected-apps-service.js';
import type { Branding } from '../../interactions/branding.js';
import { createInteractionRouter } from '../../interactions/create-interaction-router.js';
import type { SitePages } from '../../interactions/create-site-pages.js';
import type { BootData } from './boot-data.js';
import { createOperatorServices } from './operator-services.js';
import type { Services } from './services.js';

export interface RoutersInput {
  config: Config;
  database: DatabaseHandle;
  provider: Provider;
  audit: AuditLog;
  boot: BootData;
  services: Services;
  branding: Branding;
  site: SitePages;
}

/** Our routes, in the order they are tried: the example API, the start page, the interaction, account and console pages. */
export function composeRouters({ config, database: { db }, provider, audit, boot, services, branding, site }: RoutersInput): AnyMiddleware[] {
  const connected = createConnectedAppsService({ db, provider });
  const interactions = createInteractionRouter({
    provider, accounts: services.accounts, throttle: services.loginThrottle, audit, metrics: services.metrics,
    factors: services.factors, factorThrottle: services.factorThrottle, branding,
    csrfKey: boot.cookieKeys[0]!,
    self: services.self,
    // Changes made on the account pages are audited by the pages themselves, with the person as actor (interactions/account/).
    apps: services.apps,
    connected,
    lifecycle: services.lifecycle,
    // The operator console (interactions/admin/): the CLI's services, audited per request with the operator as actor.
    admin: createOperatorServices({
      db, config, accounts: services.accounts, audit, box: boot.box, factors: services.factors, signingKeys: boot.signingKeys,
      clients: services.clients, lifecycle: services.lifecycle, connected,
    }),
  });
  const routers: AnyMiddleware[] = [];
  // The example API (src/api/), when declared as a resource server at ${ISSUER}/api.
  const exampleApi = boot.apis.find((api) => api.identifier === URL.parse(`${config.issuer}/api`)?.href);
  if (exampleApi) {
    routers.push(createApiRouter({
      issuer: config.issuer,
      audience: exampleApi.identifier,
      signingKeys: boot.signingKeys,
      accounts: services.accounts,
      dpopReplay: createProviderReplayCache(provider, exampleApi.identifier),
    }).routes());
  }
  return [...routers, site.startPage, interactions.routes(), interactions.allowedMethods()];
}
