import type { ClientService } from '../clients/client-service.js';
import type { AuditEntry, AuditLog } from './audit-log.js';
import type { AuditOrigin } from './audited-account-service.js';

// Every other method of ClientService changes something and must be wrapped
// below: the compiler refuses a new one until it is audited or listed here.
type AuditedMethods = Omit<ClientService, 'listClients' | 'findClient' | 'searchClients' | 'countClients'>;

/**
 * The client service with every change written to the audit trail
 * (client.created / client.changed / client.disabled / client.deleted). The
 * one-time secret a create or rotation returns is never recorded.
 */
export function withClientAudit(service: ClientService, log: AuditLog, origin: string | null | AuditOrigin = null): ClientService {
  // A bare actor (the CLI), or a whole origin (the operator console): who, from where, and details.source.
  const where: AuditOrigin | undefined = typeof origin === 'object' && origin !== null ? origin : undefined;
  const actor = where ? where.actor ?? null : origin as string | null;
  const audit: AuditLog = {
    record: (entry: AuditEntry) => log.record(where
      ? { ...entry, ip: where.ip ?? null, userAgent: where.userAgent ?? null, details: { source: where.source, ...entry.details } }
      : entry),
  };
  const audited: AuditedMethods = {
    async createClient(input, origin) {
      const result = await service.createClient(input, origin);
      await audit.record({ event: 'client.created', actor: origin?.ownerId ?? actor, clientId: result.client.clientId, details: { source: result.client.source } });
      return result;
    },
    async rotateSecret(clientId) {
      const result = await service.rotateSecret(clientId);
      await audit.record({ event: 'client.changed', actor, clientId, details: { change: 'secret_rotated' } });
      return result;
    },
    async setActive(clientId, active) {
      const client = await service.setActive(clientId, active);
      await audit.record({ event: active ? 'client.changed' : 'client.disabled', actor, clientId, details: active ? { change: 'enabled' } : {} });
      return client;
    },
    async setRedirectUris(clientId, redirectUris) {
      const client = await service.setRedirectUris(clientId, redirectUris);
      await audit.record({ event: 'client.changed', actor, clientId, details: { change: 'redirect_uris', count: redirectUris.length } });
      return client;
    },
    async deleteClient(clientId) {
      await service.deleteClient(clientId);
      await audit.record({ event: 'client.deleted', actor, clientId });
    },
  };
  return { ...service, ...audited };
}
