/**
 * Redirect URI rules for every way a client comes in (code, CLI, dynamic
 * registration, the account page). Matching at authorize and token time is
 * oidc-provider's: exact string comparison, and for native clients a loopback
 * redirect with any port (RFC 8252 §7.3).
 */
export type ApplicationType = 'web' | 'native';

const LOOPBACK_IPS = new Set(['127.0.0.1', '[::1]']);
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'file:', 'vbscript:', 'blob:', 'about:', 'filesystem:']);
// RFC 8252 §7.1: a private-use scheme is a reversed domain name, e.g. com.example.app.
const REVERSE_DOMAIN_SCHEME = /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+:$/;

/** The rule a redirect URI breaks, or undefined when it is acceptable. */
export function redirectUriProblem(uri: string, applicationType: ApplicationType): string | undefined {
  if (typeof uri !== 'string' || uri.length === 0) return 'must be a non-empty string';
  if (uri.length > 2000) return 'must be at most 2000 characters';
  if (uri.includes('*')) return 'must not contain wildcards (RFC 9700 §4.1.3: exact match only)';
  if (uri.includes('#')) return 'must not contain a fragment (RFC 6749 §3.1.2)';
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    return 'must be an absolute URI (RFC 6749 §3.1.2)';
  }
  if (parsed.username || parsed.password) return 'must not contain user information (RFC 9700 §4.1.3)';
  const { protocol, hostname } = parsed;
  if (FORBIDDEN_SCHEMES.has(protocol)) return `must not use the ${protocol.slice(0, -1)} scheme`;
  if (protocol === 'https:') {
    if (hostname === 'localhost' || LOOPBACK_IPS.has(hostname)) return 'must not use https with a loopback host; use http://127.0.0.1 or http://[::1] (RFC 8252 §7.3)';
    return undefined;
  }
  if (protocol === 'http:') {
    if (hostname === 'localhost') return 'must use the loopback IP literal 127.0.0.1 or [::1], not the name localhost (RFC 8252 §8.3)';
    if (LOOPBACK_IPS.has(hostname)) return undefined;
    return 'must use https; plain http is allowed only for loopback IP literals (RFC 9700 §4.1.1, RFC 8252 §7.3)';
  }
  if (applicationType !== 'native') return 'must use https (private-use URI schemes are for native clients, RFC 8252 §7.1)';
  if (!REVERSE_DOMAIN_SCHEME.test(protocol)) return 'must use a private-use scheme in reverse-domain form, such as com.example.app:/callback (RFC 8252 §7.1)';
  return undefined;
}

/** One line per refused URI, naming the URI and the rule. */
export function redirectUriProblems(uris: readonly string[], applicationType: ApplicationType): string[] {
  return uris.flatMap((uri) => {
    const problem = redirectUriProblem(uri, applicationType);
    return problem ? [`redirect URI ${JSON.stringify(uri)} ${problem}`] : [];
  });
}
