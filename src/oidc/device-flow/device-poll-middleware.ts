import type { Middleware } from 'koa';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { DevicePollTracker } from '../../../adapters/adapter-types.js';

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * oidc-provider keeps no polling state and never answers slow_down. After its
 * token handler runs, this turns a too-early authorization_pending into
 * slow_down, growing that device code's interval by 5 seconds (RFC 8628
 * §3.5). (The `interval` of the device authorization response, §3.2, is
 * added by a listener: oidc/listeners/register-listeners.ts.)
 */
export function createDevicePollMiddleware(tracker: DevicePollTracker, options: { interval: number; ttl: number }): Middleware {
  return async (rawCtx, next) => {
    await next();
    const ctx = rawCtx as unknown as KoaContextWithOIDC;
    const body = ctx.body as Record<string, unknown> | undefined;
    if (!ctx.oidc || !body || typeof body !== 'object') return;
    const params = ctx.oidc.params as Record<string, unknown> | undefined;
    if (ctx.oidc.route === 'token' && body.error === 'authorization_pending'
      && params?.grant_type === DEVICE_CODE_GRANT && typeof params.device_code === 'string') {
      const { slowDown, interval } = await tracker.record(params.device_code, options.interval, options.ttl);
      // Thrown to the one error responder, which answers it as 400 JSON like the provider's own.
      if (slowDown) throw new errors.SlowDown(`polling too frequently; wait at least ${interval} seconds between requests`);
    }
  };
}
