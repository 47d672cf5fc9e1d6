import type { AccountService } from '../accounts/account-service.js';
import type { AuditEntry, AuditLog } from './audit-log.js';

/** Who acts through this service and from where; the CLI has no signed-in person, only its source. */
export interface AuditOrigin {
  actor?: string | null;
  source: 'cli' | 'account' | 'admin';
  ip?: string | null;
  userAgent?: string | null;
}

// Methods that change nothing a person or operator decides (authenticate's
// last-login time is recorded as login.success by the login page). Every other
// method of AccountService must be wrapped below: the compiler refuses a new
// one until it is audited or listed here.
type AuditedMethods = Omit<AccountService, 'authenticate' | 'findActiveUser' | 'findUser' | 'findUserByUsername' | 'listUsers' | 'searchUsers' | 'countUsers' | 'usernamesOf'>;

/**
 * The account service with every change written to the audit trail
 * (user.created / user.changed / user.disabled / user.deleted), the affected
 * user in details.user_id. Passwords and their hashes are never recorded.
 */
export function withAccountAudit(service: AccountService, audit: AuditLog, origin: AuditOrigin): AccountService {
  const record = (event: AuditEntry['event'], userId: string, details: Record<string, unknown> = {}) => audit.record({
    event, actor: origin.actor ?? null, ip: origin.ip ?? null, userAgent: origin.userAgent ?? null,
    details: { user_id: userId, source: origin.source, ...details },
  });
  const audited: AuditedMethods = {
    async createUser(input) {
      const user = await service.createUser(input);
      await record('user.created', user.id, { role: user.role });
      return user;
    },
    async setPassword(id, password) {
      const user = await service.setPassword(id, password);
      await record('user.changed', id, { change: 'password' });
      return user;
    },
    async setRole(id, role) {
      const user = await service.setRole(id, role);
      await record('user.changed', id, { change: 'role', role: user.role });
      return user;
    },
    async setActive(id, active) {
      const user = await service.setActive(id, active);
      await (active ? record('user.changed', id, { change: 'enabled' }) : record('user.disabled', id));
      return user;
    },
    async updateProfile(id, changes) {
      const user = await service.updateProfile(id, changes);
      // Which fields, never their values.
      const fields = [...Object.keys(changes).filter((key) => key !== 'claims'), ...Object.keys(changes.claims ?? {})];
      await record('user.changed', id, { change: 'profile', fields });
      return user;
    },
    async deleteUser(id) {
      const deleted = await service.deleteUser(id);
      if (deleted) await record('user.deleted', id);
      return deleted;
    },
  };
  return { ...service, ...audited };
}
