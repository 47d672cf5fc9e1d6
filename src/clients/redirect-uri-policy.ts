/**
 * Redirect URI rules for every way a client comes in (code, CLI, dynamic
 * registration, the account page). Matching at authorize and token time is
 * oidc-provider's: exact string comparison, and for native clients a loopback
 * redirect (localhost, 127.0.0.1 or [::1]) with any port (RFC 8252 §7.3;
 * oidc-provider's LOOPBACKS in lib/consts/client_attributes.js includes
 * `localhost`, so its port-free matching already covers the name).
 */
export type ApplicationType = 'web' | 'native';

/**
 * REDIRECT_URI_LOCALHOST. RFC 8252 §8.3 calls the name `localhost` NOT
 * RECOMMENDED for loopback redirects (it can resolve elsewhere, or a firewall
 * may treat it differently), not forbidden; OpenID Connect Registration §2
 * names localhost among the loopback hosts of native clients and forbids it
 * only for web clients using the implicit grant (which oidc-provider refuses
 * itself, 'implicit-forbid-localhost'). Widely used native clients (oidc-agent)
 * accept nothing else, so `allow` treats http://localhost like the loopback IP
 * literals; `deny` keeps the IP-literal-only rule for operators who want it.
 */
export type LocalhostRule = 'allow' | 'deny';

export interface RedirectUriRules {
  readonly localhost: LocalhostRule;
}

export const DEFAULT_REDIRECT_URI_RULES: RedirectUriRules = Object.freeze({ localhost: 'allow' });

const LOOPBACK_IPS = new Set(['127.0.0.1', '[::1]']);
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'file:', 'vbscript:', 'blob:', 'about:', 'filesystem:']);
// RFC 8252 §7.1: a private-use scheme is a reversed domain name, e.g. com.example.app.
const REVERSE_DOMAIN_SCHEME = /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+:$/;

/** True for http://localhost, http://127.0.0.1 and http://[::1] (any port): RFC 8252 §7.3 loopback redirects. */
export function isLoopbackRedirect(uri: string): boolean {
  const parsed = URL.parse(uri);
  return parsed?.protocol === 'http:' && (parsed.hostname === 'localhost' || LOOPBACK_IPS.has(parsed.hostname));
}

/** True for a private-use URI scheme redirect (RFC 8252 §7.1), which only a native app can receive. */
export function isPrivateUseSchemeRedirect(uri: string): boolean {
  const parsed = URL.parse(uri);
  return parsed !== null && REVERSE_DOMAIN_SCHEME.test(parsed.protocol);
}

/**
 * A value as error messages show it: in single quotes, with quotes,
 * backslashes and control characters percent-encoded, so a description never
 * carries a raw `"` (clients that build JSON by hand break on it) and cannot
 * fake line breaks in logs.
 */
export function quoteValue(value: string, max = 200): string {
  const shown = value.length > max ? `${value.slice(0, max)}...` : value;
  return `'${shown.replace(/["'\\\u0000-\u001f\u007f]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)}'`;
}

function httpProblem(hostname: string, rules: RedirectUriRules): string | undefined {
  if (LOOPBACK_IPS.has(hostname)) return undefined;
  if (hostname === 'localhost') {
    return rules.localhost === 'allow'
      ? undefined
      : 'must use the loopback IP literal 127.0.0.1 or [::1], not the name localhost (RFC 8252 §8.3; REDIRECT_URI_LOCALHOST=deny)';
  }
  return 'must use https; plain http is allowed only for loopback hosts (RFC 9700 §4.1.1, RFC 8252 §7.3)';
}

/** The rule a redirect URI breaks, or undefined when it is acceptable. */
export function redirectUriProblem(uri: string, applicationType: ApplicationType, rules: RedirectUriRules = DEFAULT_REDIRECT_URI_RULES): string | undefined {
  if (typeof uri !== 'string' || uri.length === 0) return 'must be a non-empty string';
  if (uri.length > 2000) return 'must be at most 2000 characters';
  if (uri.includes('*')) return 'must not contain wildcards (RFC 9700 §4.1.3: exact match only)';
  if (uri.includes('#')) return 'must not contain a fragment (RFC 6749 §3.1.2)';
  const parsed = URL.parse(uri);
  if (!parsed) return 'must be an absolute URI (RFC 6749 §3.1.2)';
  if (parsed.username || parsed.password) return 'must not contain user information (RFC 9700 §4.1.3)';
  const { protocol, hostname } = parsed;
  if (FORBIDDEN_SCHEMES.has(protocol)) return `must not use the ${protocol.slice(0, -1)} scheme`;
  if (protocol === 'https:') {
    if (hostname === 'localhost' || LOOPBACK_IPS.has(hostname)) return 'must not use https with a loopback host; use http://127.0.0.1 or http://[::1] (RFC 8252 §7.3)';
    return undefined;
  }
  if (protocol === 'http:') return httpProblem(hostname, rules);
  if (applicationType !== 'native') return 'must use https (private-use URI schemes are for native clients, RFC 8252 §7.1)';
  if (!REVERSE_DOMAIN_SCHEME.test(protocol)) return 'must use a private-use scheme in reverse-domain form, such as com.example.app:/callback (RFC 8252 §7.1)';
  return undefined;
}

/**
 * Redirect URIs typed into a form (the account page's "Register an app", the
 * operator console): one or more per line, separated by whitespace, which a
 * URI cannot contain (RFC 3986 §2). Empty entries are dropped; duplicates kept
 * once, in the order given.
 */
export function parseRedirectUriList(text: string): string[] {
  return [...new Set(text.split(/\s+/).filter(Boolean))];
}

/** One line per refused URI, naming the URI and the rule. */
export function redirectUriProblems(uris: readonly string[], applicationType: ApplicationType, rules: RedirectUriRules = DEFAULT_REDIRECT_URI_RULES): string[] {
  return uris.flatMap((uri) => {
    const problem = redirectUriProblem(uri, applicationType, rules);
    return problem ? [`redirect URI ${quoteValue(String(uri))} ${problem}`] : [];
  });
}

/**
 * OpenID Connect Back-Channel Logout 1.0 §2.2: the server POSTs logout tokens
 * to backchannel_logout_uri, so it is refused anything a redirect would not
 * be: https (no fragment); http only on a loopback host and only for a
 * confidential client, as §2.2 permits when the OP allows it. A client that
 * registers itself (`selfService`) gets https to a non-loopback host only:
 * otherwise anyone holding the initial access token could make the server
 * send requests to services on its own machine.
 */
export function backchannelLogoutUriProblem(uri: string, options: { confidential: boolean; selfService: boolean }): string | undefined {
  const parsed = typeof uri === 'string' ? URL.parse(uri) : null;
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) return 'must be an absolute https URL';
  if (parsed.hash || uri.includes('#')) return 'must not contain a fragment (Back-Channel Logout §2.2)';
  if (parsed.username || parsed.password) return 'must not contain user information';
  const loopback = parsed.hostname === 'localhost' || LOOPBACK_IPS.has(parsed.hostname);
  if (options.selfService && loopback) return 'must not point at a loopback host when the client registers itself';
  if (parsed.protocol === 'https:') return undefined;
  if (!loopback || options.selfService) return 'must use https (Back-Channel Logout §2.2)';
  if (!options.confidential) return 'may use http only for a confidential client (Back-Channel Logout §2.2)';
  return undefined;
}
