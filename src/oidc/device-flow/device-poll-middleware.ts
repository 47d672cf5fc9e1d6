import type { Middleware } from 'koa';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { DevicePollTracker } from '../../../adapters/device-poll-tracker.js';

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * oidc-provider neither advertises a polling interval nor answers slow_down.
 * After its handlers run, this adds `interval` to device authorization
 * responses (RFC 8628 §3.2) and turns a too-early authorization_pending into
 * slow_down, growing that device code's interval by 5 seconds (§3.5).
 */
export function createDevicePollMiddleware(tracker: DevicePollTracker, options: { interval: number; ttl: number }): Middleware {
  return async (rawCtx, next) => {
    await next();
    const ctx = rawCtx as unknown as KoaContextWithOIDC;
    const body = ctx.body as Record<string, unknown> | undefined;
    if (!ctx.oidc || !body || typeof body !== 'object') return;
    if (ctx.oidc.route === 'device_authorization' && ctx.status === 200) {
      body.interval = options.interval;
      return;
    }
    const params = ctx.oidc.params as Record<string, unknown> | undefined;
    if (ctx.oidc.route === 'token' && body.error === 'authorization_pending'
      && params?.grant_type === DEVICE_CODE_GRANT && typeof params.device_code === 'string') {
      const { slowDown, interval } = await tracker.record(params.device_code, options.interval, options.ttl);
      // Thrown to the one error responder, which answers it as 400 JSON like the provider's own.
      if (slowDown) throw new errors.SlowDown(`polling too frequently; wait at least ${interval} seconds between requests`);
    }
  };
}
