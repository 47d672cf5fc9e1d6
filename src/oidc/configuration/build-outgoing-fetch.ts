import type { Configuration } from 'oidc-provider';

/**
 * oidc-provider's `fetch` option. The library hands every outgoing request
 * (jwks_uri, back-channel logout, sector identifiers) a dispatcher that
 * refuses private, loopback and other non-routable addresses (SSRF). That
 * stays, except for one case an operator vouched for: a back-channel logout
 * URI of a client defined in code or with the CLI, whose relying party may
 * well live on the internal network or the same host. Clients that
 * registered themselves keep the protection (their URI is also limited to
 * https on a non-loopback host, build-client-metadata.ts). Outgoing requests
 * are rare (logout, key fetches), so the one lookup costs nothing on the hot path.
 */
export function buildOutgoingFetch(isOperatorLogoutTarget: (uri: string) => Promise<boolean>): Pick<Configuration, 'fetch'> {
  return {
    async fetch(input, init) {
      const url = input instanceof Request ? input.url : String(input);
      const options = { ...init } as RequestInit & { dispatcher?: unknown };
      if (options.dispatcher !== undefined && options.method === 'POST' && await isOperatorLogoutTarget(url)) delete options.dispatcher;
      return fetch(input, options);
    },
  };
}
