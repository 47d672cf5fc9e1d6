import { sql, type Kysely } from 'kysely';
import type { Database } from '../src/db/schema.js';
import type { DevicePollTracker } from './adapter-types.js';
import { hashId } from './storage-id.js';

/**
 * Poll state in oidc_device_codes.last_polled_at / poll_interval (the
 * adapter's upsert never touches those columns). `previous` locks the row
 * (FOR UPDATE), so of two concurrent polls the second waits and then sees the
 * first one's write; the UPDATE computes from the values read there. No row
 * (expired or unknown code) means nothing to slow down.
 */
export function createKyselyDevicePollTracker(db: Kysely<Database>): DevicePollTracker {
  return {
    async record(deviceCode, baseIntervalSeconds, _ttlSeconds, nowMs = Date.now()) {
      const now = new Date(nowMs);
      const id = hashId(deviceCode);
      const { rows } = await sql<{ slow_down: boolean; poll_interval: number }>`
        with previous as (
          select id, last_polled_at, coalesce(poll_interval, ${baseIntervalSeconds}::integer) as current_interval,
            (last_polled_at is not null
              and ${now}::timestamptz < last_polled_at + coalesce(poll_interval, ${baseIntervalSeconds}::integer) * interval '1 second') as too_soon
          from oidc_device_codes where id = ${id}
          for update
        )
        update oidc_device_codes as d
        set last_polled_at = ${now}::timestamptz,
            poll_interval = case when previous.too_soon then previous.current_interval + 5 else previous.current_interval end
        from previous
        where d.id = previous.id
        returning previous.too_soon as slow_down, d.poll_interval
      `.execute(db);
      const row = rows[0];
      return row ? { slowDown: row.slow_down, interval: row.poll_interval } : { slowDown: false, interval: baseIntervalSeconds };
    },
  };
}
