import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';

/**
 * The one place that says which of our middleware runs on the hot path
 * (DESIGN.md 5a). oidc-provider runs every `provider.use()` middleware before
 * its own router, on every request, so each layer costs the protocol
 * endpoints an async frame even where it has nothing to do. What remains on
 * each protocol endpoint, and why:
 *
 * every request   requestId (X-Request-Id), request observer (log line and
 *                 metrics), error responder, 404 fallback and store-outage
 *                 responder (turn a thrown or empty answer into ours: they
 *                 must wrap everything), security headers, malformed-text
 *                 refusal (before any parser sees the text); the health and
 *                 metrics routes only compare the path and pass on.
 * token, introspection, revocation, device authorization, registration, PAR,
 *                 backchannel: the rate limit (failed-authentication blocks;
 *                 no store round trip for a successful request).
 * token           the protocol rewriters (response-rewriters.ts) that rewrite a
 *                 finished token answer: replay revocation (holds a replay's
 *                 answer until its grant is revoked), unauthorized_client
 *                 (RFC 6749 §5.2) and device-flow slow_down (RFC 8628 §3.5).
 * revocation      the revocation audit (token.revoked, and RFC 7009 §2.2's
 *                 empty 200).
 * userinfo, introspection, JWKS, discovery: nothing else.
 *
 * Off every protocol endpoint: the example API, the start page, the
 * interaction, account and operator pages (their routers match each request
 * against every route pattern).
 *
 * Measured (docs/performance.md): skipping the page routers and provider
 * hooks took a discovery request from about 260 to 230 µs of CPU.
 */
export interface HotPaths {
  /** Every JSON protocol endpoint of oidc-provider (its `routes`), where none of our pages or routers lives. */
  readonly protocol: ReadonlySet<string>;
  /** The protocol endpoints none of the protocol rewriters (response-rewriters.ts) acts on. */
  readonly withoutProviderHooks: ReadonlySet<string>;
  readonly revocation: string | undefined;
}

const PROTOCOL_ROUTES = [
  'token', 'introspection', 'revocation', 'userinfo', 'jwks', 'discovery', 'device_authorization',
  'pushed_authorization_request', 'backchannel_authentication', 'registration',
];
const WITHOUT_PROVIDER_HOOKS = ['introspection', 'revocation', 'userinfo', 'jwks', 'discovery'];

/** The provider's own paths for its routes (`routes` option, mount path included); routes turned off are left out. */
function pathsOf(provider: Provider, routes: readonly string[]): Set<string> {
  const paths = new Set<string>();
  for (const route of routes) {
    try {
      const path = (provider as unknown as { pathFor(name: string): string }).pathFor(route);
      paths.add(path);
      // Two routes share the name `discovery` (lib/helpers/initialize_app.js):
      // pathFor names the RFC 8414 one; OpenID Connect Discovery's sits beside it.
      if (route === 'discovery') paths.add(path.replace('/oauth-authorization-server', '/openid-configuration'));
    } catch {
      // the feature is off: no such route
    }
  }
  return paths;
}

export function hotPathsOf(provider: Provider): HotPaths {
  return {
    protocol: pathsOf(provider, PROTOCOL_ROUTES),
    withoutProviderHooks: pathsOf(provider, WITHOUT_PROVIDER_HOOKS),
    revocation: [...pathsOf(provider, ['revocation'])][0],
  };
}

/**
 * Any Koa middleware, @koa/router's included (they type their context with
 * the router's additions, which the router itself supplies at run time).
 */
export type AnyMiddleware = (ctx: never, next: () => Promise<unknown>) => unknown;

/** Runs `middleware` in order as one (koa-compose's contract, which Koa does not export). */
function chain(layers: readonly AnyMiddleware[]): Middleware {
  const middleware = layers as readonly Middleware[];
  return (ctx, next) => {
    let called = -1;
    const dispatch = async (index: number): Promise<unknown> => {
      if (index <= called) throw new Error('next() called multiple times');
      called = index;
      const layer = middleware[index];
      return layer ? layer(ctx, () => dispatch(index + 1)) : next();
    };
    return dispatch(0);
  };
}

/** The middleware, in order, for every request except those on `paths`. */
export function skipOn(paths: ReadonlySet<string>, middleware: readonly AnyMiddleware[]): Middleware {
  const run = chain(middleware);
  return (ctx, next) => (paths.has(ctx.path) ? next() : run(ctx, next));
}

/** The middleware only for requests on `path`. */
export function onlyOn(path: string | undefined, middleware: Middleware): Middleware {
  return (ctx, next) => (ctx.path === path ? middleware(ctx, next) : next());
}
