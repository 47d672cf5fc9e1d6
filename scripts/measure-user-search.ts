/**
 * Measures the operator console's people search (users-repository.ts
 * searchUsers) at 100,000 users, once, outside the test suite (a benchmark
 * figure, not a timed test). Seeds a fresh schema in one INSERT … SELECT
 * generate_series (bounded: exactly USERS rows), runs each search warm
 * RUNS times, prints the median and the plan of the first, then drops
 * everything it made. Postgres at TEST_DATABASE_URL, or PGlite with
 * MEASURE_EMBEDDED=1.
 *   node_modules/.bin/tsx scripts/measure-user-search.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createAccountService } from '../src/accounts/account-service.js';
import { loadConfig } from '../src/config/load-config.js';
import { createDb } from '../src/db/create-db.js';
import { migrateToLatest } from '../src/db/migrate.js';

const USERS = 100_000;
const RUNS = 25;
const embedded = process.env.MEASURE_EMBEDDED === '1';
const schema = `measure_user_search_${process.pid}`;
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'measure-user-search-'));
const config = loadConfig({
  NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, DATABASE_SCHEMA: schema, BCRYPT_COST: '4',
  ...(embedded ? {} : { DATABASE_URL: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' }),
});
const handle = await createDb(config);
const { db } = handle;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

try {
  await migrateToLatest(db, schema);
  // Usernames and addresses from md5: evenly spread prefixes, like real names are not, but reproducible.
  await sql`insert into users (id, username, email, password_hash)
    select 'u-' || n, substr(md5(n::text), 1, 8) || '.' || n, substr(md5('mail' || n), 1, 6) || n || '@example.com', 'x'
    from generate_series(1, ${USERS}) as n`.execute(db);
  await sql`analyze users`.execute(db);
  const accounts = createAccountService({ db, bcryptCost: 4 });
  const middle = (await accounts.searchUsers({ query: '8', limit: 1 })).users[0]!.id;
  const searches: Array<[string, Parameters<typeof accounts.searchUsers>[0]]> = [
    ['first page, no query', {}],
    ['deep page (keyset after a middle row)', { after: middle }],
    ['prefix of 3 characters ("ab1")', { query: 'ab1' }],
    ['prefix of 1 character ("a", ~1/16 of users)', { query: 'a' }],
    ['e-mail prefix ("3f2a")', { query: '3f2a' }],
    ['whole id ("u-54321")', { query: 'u-54321' }],
    ['no match ("zz")', { query: 'zz' }],
  ];
  console.log(`${USERS.toLocaleString('en')} users on ${embedded ? 'PGlite (embedded)' : 'Postgres'}; median of ${RUNS} warm runs, 50 rows a page:`);
  for (const [label, search] of searches) {
    await accounts.searchUsers(search);
    const times: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const start = process.hrtime.bigint();
      await accounts.searchUsers(search);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    console.log(`  ${label}: ${median(times).toFixed(2)} ms`);
  }
  if (!embedded) {
    const plan = await sql<{ 'QUERY PLAN': string }>`explain analyze select * from users
      where lower(username) like 'ab1%' or lower(email) like 'ab1%' or id = 'ab1' order by lower(username) limit 51`.execute(db);
    console.log(plan.rows.map((row) => `    ${row['QUERY PLAN']}`).join('\n'));
  }
} finally {
  if (!embedded) await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
  await handle.close();
  await rm(dataDir, { recursive: true, force: true });
}
