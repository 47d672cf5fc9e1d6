import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/**
 * True when `uri` is the backchannel_logout_uri of an active client an
 * operator defined (code or CLI). oidc-provider sends to the URL's href, which
 * may have gained a trailing slash (https://rp.example → https://rp.example/).
 */
export async function isOperatorLogoutTarget(db: Kysely<Database>, uri: string): Promise<boolean> {
  const candidates = [...new Set([uri, uri.replace(/\/$/, '')])];
  const row = await db.selectFrom('clients').select('client_id')
    .where('source', 'in', ['code', 'cli'])
    .where('active', '=', true)
    .where(sql<string>`metadata->>'backchannel_logout_uri'`, 'in', candidates)
    .executeTakeFirst();
  return row !== undefined;
}
