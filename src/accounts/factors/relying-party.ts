import { isIP } from 'node:net';

/** The WebAuthn Relying Party this server is, derived from ISSUER. */
export interface RelyingParty {
  /** The RP ID (WebAuthn §5.1.2): the issuer's host name. */
  readonly id: string;
  /** The origin every ceremony must come from: the issuer's scheme, host and port. */
  readonly origin: string;
  readonly name: string;
  /**
   * Whether browsers will run ceremonies here at all. WebAuthn §5.1.3 step 7
   * asks for a *valid domain*: an IP-address origin such as http://127.0.0.1
   * is refused (Chromium: "This is an invalid domain"), so passkeys are not
   * offered there; http://localhost works, being a secure context.
   */
  readonly available: boolean;
}

export function relyingPartyOf(issuer: string, name: string): RelyingParty {
  const url = new URL(issuer);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const secureContext = url.protocol === 'https:' || host === 'localhost' || host.endsWith('.localhost');
  return { id: host, origin: url.origin, name, available: secureContext && isIP(host) === 0 };
}
