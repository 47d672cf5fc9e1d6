import type Provider from 'oidc-provider';
import type { AccountService } from '../src/accounts/account-service.js';
import type { AccountLifecycle } from '../src/accounts/lifecycle/create-account-lifecycle.js';
import type { SecondFactors } from '../src/accounts/factors/second-factors.js';
import type { SecondFactorThrottle } from '../src/accounts/factors/second-factor-throttle.js';
import type { LoginAttemptDeps } from './login-attempts.js';
import type { PageRenderer } from './render-page.js';

/** What every interaction step may use: the provider, the account service and the page renderer. */
export interface InteractionDeps extends LoginAttemptDeps {
  provider: Provider;
  accounts: AccountService;
  render: PageRenderer;
  /** Counts failed sign-ins (observability/metrics.ts); absent in tests that do not need it. */
  metrics?: { loginFailures: { inc(): void } };
  /** Strong authentication: passkeys, authenticator apps, recovery codes (second-factor.ts); absent in page-only tests. */
  factors?: SecondFactors;
  /** Counts wrong second-factor codes, apart from the password lockout. */
  factorThrottle?: SecondFactorThrottle;
  /** Account mails and sign-up (SIGNUP): the sign-in page's "Forgot password?" and "Create an account"; absent in page-only tests. */
  lifecycle?: AccountLifecycle;
}

/** What provider.interactionDetails() resolves to (the class itself is not exported by the types). */
export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

/** The client_id of the authorization request behind an interaction. */
export function clientIdOf(details: InteractionDetails): string {
  return typeof details.params.client_id === 'string' ? details.params.client_id : '';
}
