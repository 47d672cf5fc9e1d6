import { z } from 'zod';

const scopeName = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, { message: 'a scope is printable ASCII without spaces, " or \\' });

/**
 * An API (resource server, RFC 8707) that clients may ask tokens for with
 * `resource=`. `identifier` is an absolute URI, or a path starting with `/`
 * that is resolved against ISSUER (so `/api` means `${ISSUER}/api`).
 * A scope given as a bare name must already be in the scope catalog (an
 * OpenID Connect scope or one declared by another API); a scope only this API
 * knows is declared with the description shown on consent screens.
 */
export const resourceServerDefinitionSchema = z.object({
  identifier: z.string().min(1),
  name: z.string().min(1).max(200),
  scopes: z.array(z.union([scopeName, z.object({ name: scopeName, description: z.string().min(1).max(200) })])).min(1),
  /** 'jwt': RFC 9068 JWT access tokens the API validates alone; 'opaque': the API introspects (RFC 7662). */
  accessTokenFormat: z.enum(['opaque', 'jwt']).default('jwt'),
  /** Seconds. Short for JWT APIs: it bounds how long a revoked token still validates. */
  accessTokenTtl: z.number().int().positive().max(24 * 3600).optional(),
  /**
   * RFC 7662 §4: the clients (client_ids) that speak for this API at the
   * introspection endpoint, e.g. its gateway. They may introspect access
   * tokens whose audience is this API; any other client only its own tokens.
   */
  introspectingClients: z.array(z.string().min(1).max(256)).default([]),
});

export type ResourceServerDefinitionInput = z.input<typeof resourceServerDefinitionSchema>;
export type ResourceServerDefinition = z.output<typeof resourceServerDefinitionSchema>;

/** A resource server ready for oidc-provider: identifier resolved, scope names flattened. */
export interface ResourceServer {
  readonly identifier: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly accessTokenFormat: 'opaque' | 'jwt';
  readonly accessTokenTtl: number | undefined;
  /** Client ids entitled to introspect tokens meant for this API (RFC 7662 §4). */
  readonly introspectingClients: readonly string[];
}

export class ResourceServerConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid resource server configuration:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
    this.name = 'ResourceServerConfigError';
  }
}

/** Identity helper so resource-servers.config.ts gets types and completion. */
export function defineResourceServers(servers: ResourceServerDefinitionInput[]): ResourceServerDefinitionInput[] {
  return servers;
}

/** Scope names with the descriptions APIs declared for them (bare names carry none). */
export function declaredApiScopes(inputs: readonly ResourceServerDefinitionInput[]): { name: string; description: string }[] {
  return inputs.flatMap((input) => input.scopes.filter((scope) => typeof scope !== 'string'));
}

function resolveIdentifier(identifier: string, issuer: string): string | undefined {
  // RFC 8707 §2: an absolute URI without a fragment.
  const absolute = identifier.startsWith('/') ? `${issuer}${identifier}` : identifier;
  const parsed = URL.parse(absolute);
  if (!parsed || parsed.hash || absolute.includes('#')) return undefined;
  return parsed.href;
}

/** Parses and resolves every definition; throws one error listing every problem. */
export function resolveResourceServers(
  inputs: readonly ResourceServerDefinitionInput[],
  issuer: string,
  knownScopes: readonly string[],
): ResourceServer[] {
  const problems: string[] = [];
  const servers: ResourceServer[] = [];
  inputs.forEach((input, index) => {
    const parsed = resourceServerDefinitionSchema.safeParse(input);
    const label = typeof input?.identifier === 'string' ? input.identifier : `#${index}`;
    if (!parsed.success) {
      problems.push(...parsed.error.issues.map((issue) => `resource server ${label}: ${issue.path.join('.') || 'definition'}: ${issue.message}`));
      return;
    }
    const identifier = resolveIdentifier(parsed.data.identifier, issuer);
    if (!identifier) problems.push(`resource server ${label}: identifier must be an absolute URI without a fragment, or a path starting with /`);
    const scopes = parsed.data.scopes.map((scope) => (typeof scope === 'string' ? scope : scope.name));
    for (const scope of parsed.data.scopes) {
      if (typeof scope === 'string' && !knownScopes.includes(scope)) problems.push(`resource server ${label}: scope "${scope}" is not in the scopes catalog; declare it with a description`);
    }
    if (identifier && servers.some((server) => server.identifier === identifier)) problems.push(`resource server ${label}: defined twice`);
    // A JWT access token is not stored, so introspection never finds it (RFC 9068 APIs validate it alone).
    if (parsed.data.introspectingClients.length && parsed.data.accessTokenFormat !== 'opaque') {
      problems.push(`resource server ${label}: introspectingClients needs accessTokenFormat 'opaque'`);
    }
    if (identifier) {
      servers.push(Object.freeze({
        identifier,
        name: parsed.data.name,
        scopes: Object.freeze([...new Set(scopes)]),
        accessTokenFormat: parsed.data.accessTokenFormat,
        accessTokenTtl: parsed.data.accessTokenTtl,
        introspectingClients: Object.freeze([...new Set(parsed.data.introspectingClients)]),
      }));
    }
  });
  if (problems.length) throw new ResourceServerConfigError(problems);
  return servers;
}
