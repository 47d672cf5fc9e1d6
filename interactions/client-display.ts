/** The parts of a client a page shows, already checked and formatted. */
export interface ClientDisplay {
  id: string;
  name: string;
  logoUri?: string;
  clientUri?: string;
  policyUri?: string;
  tosUri?: string;
}

export interface ClientLike {
  clientId: string;
  clientName?: string;
  logoUri?: string;
  clientUri?: string;
  policyUri?: string;
  tosUri?: string;
}

/**
 * Only http(s) URLs reach a page: pug escapes attribute values but would
 * still render a `javascript:` href, and registered clients choose these.
 */
export function safeWebUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const { protocol } = new URL(value);
    return protocol === 'https:' || protocol === 'http:' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** client_name when set (RFC 7591 §2), otherwise the client_id. */
export function describeClient(client: ClientLike | undefined, fallbackId = ''): ClientDisplay {
  const id = client?.clientId ?? fallbackId;
  const name = client?.clientName?.trim() || id || 'an application';
  return {
    id,
    name,
    logoUri: safeWebUrl(client?.logoUri),
    clientUri: safeWebUrl(client?.clientUri),
    policyUri: safeWebUrl(client?.policyUri),
    tosUri: safeWebUrl(client?.tosUri),
  };
}

/**
 * Where the person will be sent back to, as they would recognise it: the
 * host (and port) of an http(s) redirect URI, or the scheme of an app's
 * private-use URI (RFC 8252 §7.1), e.g. "photos.example.com" or "com.example.app:".
 */
export function returnAddress(redirectUri: unknown): string | undefined {
  if (typeof redirectUri !== 'string') return undefined;
  const url = URL.parse(redirectUri);
  if (!url) return undefined;
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.host : url.protocol;
}
