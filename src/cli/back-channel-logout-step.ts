import { retiredKeyGraceSeconds } from '../oidc/keys/rotate-signing-keys.js';
import { loadSigningKeys } from '../oidc/keys/load-signing-keys.js';
import { createSecretBox } from '../oidc/keys/secret-box.js';
import { prepareBackChannelLogouts, sendBackChannelLogouts } from '../oidc/back-channel-logout/operator-logout.js';
import type { CliContext } from './cli-context.js';

/**
 * Runs `end` (which deletes every session of the account) between reading
 * which relying parties those sessions signed in and telling each of them,
 * through OpenID Connect Back-Channel Logout, that the session is over. The
 * command's own message comes back with who was told; a relying party that
 * could not be reached is named on stderr (the account change stands).
 */
export async function withBackChannelLogout({ config, database }: CliContext, accountId: string, end: () => Promise<string>): Promise<string> {
  const { db } = database;
  const pending = await prepareBackChannelLogouts(db, accountId);
  const message = await end();
  const delivery = await sendBackChannelLogouts({
    db,
    issuer: config.issuer,
    loadKeys: () => loadSigningKeys(db, createSecretBox(config.keyEncryptionSecret), { retiredGraceSeconds: retiredKeyGraceSeconds(config) }),
  }, pending);
  for (const { clientId, reason } of delivery.failed) {
    process.stderr.write(`back-channel logout to client ${clientId} failed: ${reason}\n`);
  }
  return delivery.delivered.length ? `${message}; back-channel logout sent to ${delivery.delivered.join(', ')}` : message;
}
