import { defineResourceServers } from './resource-server-definition.js';

/**
 * APIs (resource servers, RFC 8707) this server issues access tokens for,
 * defined in code and reviewed like clients. A client asks for one with
 * `resource=<identifier>`; the token it gets carries only that API's scopes
 * and that API as audience.
 *
 * Example of another API:
 *   {
 *     identifier: 'https://billing.example.com/api',
 *     name: 'Billing API',
 *     scopes: [{ name: 'invoices:read', description: 'See your invoices' }],
 *     accessTokenFormat: 'opaque',   // the API introspects every token
 *     // The clients that introspect tokens meant for this API (RFC 7662 §4);
 *     // without them only a token's own client may introspect it.
 *     introspectingClients: ['billing-gateway'],
 *   }
 */
export const resourceServersConfig = defineResourceServers([
  {
    // The example API served by this app under /api (src/api/).
    identifier: '/api',
    name: 'Example API',
    scopes: ['profile', 'email'],
    accessTokenFormat: 'jwt',
    // Five minutes: the longest a revoked JWT access token keeps working at an
    // API that validates it locally (see README, "Protecting your API").
    accessTokenTtl: 300,
  },
]);
