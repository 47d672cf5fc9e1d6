import type { Kysely } from 'kysely';
import type { Config } from '../../config/load-config.js';
import type { Database } from '../../db/schema.js';
import { createAccountMailSender } from '../../mail/create-account-mail-sender.js';
import type { MailKind } from '../../mail/create-mailer.js';
import type { Logger } from '../../observability/logger.js';
import type { RedisClient } from '../../redis/redis-client.js';
import type { AccountService } from '../account-service.js';
import { createAccountLifecycle, type AccountLifecycle } from './create-account-lifecycle.js';
import type { LifecycleAudit } from './lifecycle-deps.js';
import { createMailThrottle } from './mail-throttle.js';

export interface LifecycleFromConfigDeps {
  db: Kysely<Database>;
  accounts: AccountService;
  redis: RedisClient | undefined;
  logger: Logger;
  audit?: LifecycleAudit;
  onMailFailure?: (kind: MailKind) => void;
}

/** The lifecycle as the server and the CLI build it from the configuration; close() ends the SMTP transport. */
export function createLifecycleFromConfig(config: Config, deps: LifecycleFromConfigDeps): { lifecycle: AccountLifecycle; close(): void } {
  const sender = createAccountMailSender(config, deps.logger, deps.onMailFailure);
  const throttle = createMailThrottle({
    redis: deps.redis, keyPrefix: config.redis.keyPrefix, perIp: config.mail.perIp, perAccount: config.mail.perAccount, windowSeconds: config.mail.windowSeconds,
  });
  const lifecycle = createAccountLifecycle({
    db: deps.db, accounts: deps.accounts, bcryptCost: config.bcryptCost, issuer: config.issuer, mails: sender.mails, throttle,
    linkTtlSeconds: config.mail.linkTtlSeconds, invitationTtlSeconds: config.mail.invitationTtlSeconds,
    audit: deps.audit, logger: deps.logger, signup: config.signup,
  });
  return { lifecycle, close: sender.close };
}
