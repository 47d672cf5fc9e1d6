import pg from 'pg';

const INT8_OID = 20;

/**
 * How our pools parse values: bigint (count(*), sums) as a JS number, as the
 * code expects; every count here stays far below 2^53. Timestamps stay pg's
 * default Date. Given to each pool (`types`), not written into pg's global
 * type table at import time, so importing the db module changes nothing.
 */
export const PG_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID && format !== 'binary'
    ? (value: string) => Number.parseInt(value, 10)
    : pg.types.getTypeParser(oid, format))) as pg.CustomTypesConfig['getTypeParser'],
};
