import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isSpecialUseAddress } from './special-use-addresses.js';

const REFUSED = 'the back-channel logout URI resolves to a special-use IP address';

/** A DNS lookup that fails for a name resolving to a non-routable address, so the socket never opens. */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 0);
    if (addresses.length === 0 || addresses.some(({ address }) => isSpecialUseAddress(address))) {
      return callback(Object.assign(new Error(REFUSED), { code: 'ESPECIALUSE' }), '', 0);
    }
    if (options.all) return (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, addresses);
    return callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};

/**
 * POSTs a logout token as a form (Back-Channel Logout §2.5). For a relying
 * party that registered itself (`publicOnly`), the connection is refused when
 * the host is, or resolves to, a non-routable address, checked on the
 * address actually connected to, so DNS rebinding cannot slip past; a
 * client an operator defined (code, CLI) may live on the internal network.
 * Resolves with the status code.
 */
export function postLogoutToken(uri: string, logoutToken: string, { publicOnly, timeoutMs }: { publicOnly: boolean; timeoutMs: number }): Promise<number> {
  const url = new URL(uri);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (publicOnly && isIP(host) !== 0 && isSpecialUseAddress(host)) return Promise.reject(new Error(REFUSED));
  const body = new URLSearchParams({ logout_token: logoutToken }).toString();
  const options: RequestOptions = {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
    timeout: timeoutMs,
    ...(publicOnly ? { lookup: publicOnlyLookup } : {}),
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, options, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
