import { defineClients } from './client-definition.js';

/**
 * Clients defined in code. Reviewed like any other change, validated and
 * synced into the clients table at every boot: added ones are created, changed
 * ones updated, removed ones disabled. Secrets live in environment variables
 * named by `secretEnv`; a client whose variable is unset stops the boot.
 *
 * Example:
 *   {
 *     clientId: 'billing-web',
 *     name: 'Billing',
 *     type: 'confidential',
 *     redirectUris: ['https://billing.example.com/callback'],
 *     grantTypes: ['authorization_code', 'refresh_token'],
 *     scopes: ['openid', 'profile', 'email', 'offline_access'],
 *     secretEnv: 'BILLING_WEB_CLIENT_SECRET',
 *     firstParty: true,
 *   }
 */
export const clientsConfig = defineClients([]);
