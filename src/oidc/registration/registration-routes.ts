/**
 * oidc-provider's route names for dynamic registration (RFC 7591) and client
 * update (RFC 7592): where a client's metadata comes from the client itself.
 */
const REGISTRATION_ROUTES = new Set(['registration', 'client_update']);

export function isRegistrationRoute(route: string | undefined): boolean {
  return route !== undefined && REGISTRATION_ROUTES.has(route);
}
