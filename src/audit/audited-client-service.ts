import type { ClientService } from '../clients/client-service.js';
import type { AuditLog } from './audit-log.js';

/**
 * The client service with every change written to the audit trail
 * (client.created / client.changed / client.disabled / client.deleted). The
 * one-time secret a create or rotation returns is never recorded.
 */
export function withClientAudit(service: ClientService, audit: AuditLog, actor: string | null = null): ClientService {
  return {
    ...service,
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
    async deleteClient(clientId) {
      await service.deleteClient(clientId);
      await audit.record({ event: 'client.deleted', actor, clientId });
    },
  };
}
