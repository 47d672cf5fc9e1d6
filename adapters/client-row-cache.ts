import type { AdapterPayload } from './adapter-types.js';
import { RowCache } from './row-cache.js';

export type { CacheTicket } from './row-cache.js';

/**
 * Active client rows (metadata and secret hash, as KyselyClientAdapter#find
 * returns them), kept between requests so token, introspection, revocation and
 * device authorization requests skip the SQL round trip; evicted by the
 * `clients` change notifications (client-change-listener.ts, row-cache.ts).
 */
export class ClientRowCache extends RowCache<AdapterPayload> {}
