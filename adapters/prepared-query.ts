import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';

const MARKER = /^\u0000prepared:(.+)\u0000$/;

/** Stands for a value in a query compiled once by prepareQuery(). */
export function slot(name: string): string {
  return `\u0000prepared:${name}\u0000`;
}

/** What runs a compiled query: the Kysely it was prepared with, or a transaction of it. */
export interface QueryRunner {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

export type PreparedQuery<Row> = (values: Record<string, unknown>, on?: QueryRunner) => Promise<QueryResult<Row>>;

/**
 * Kysely builds and compiles a syntax tree on every call; in the benchmark's
 * CPU profile of introspection that was the largest JavaScript cost after
 * oidc-provider itself (README, "Performance"). The adapters' queries have a
 * fixed shape, so each is compiled once with slot() markers in place of its
 * values and re-executed with new values: the same SQL text and parameter
 * order as the builder produces, without the builder. Parameters that are not
 * slots (constants such as `active = true`) keep their value.
 */
export function prepareQuery<DB, Row>(db: Kysely<DB>, query: Compilable<Row>): PreparedQuery<Row> {
  let compiled: CompiledQuery<Row> | undefined;
  let binders: Array<(values: Record<string, unknown>) => unknown> = [];
  return (values, on: QueryRunner = db) => {
    if (!compiled) {
      compiled = query.compile();
      binders = compiled.parameters.map((parameter) => {
        const name = typeof parameter === 'string' ? MARKER.exec(parameter)?.[1] : undefined;
        if (name === undefined) return () => parameter;
        return (given) => {
          if (!(name in given)) throw new Error(`prepared query: no value for ${name}`);
          return given[name];
        };
      });
    }
    return on.executeQuery<Row>({ ...compiled, parameters: binders.map((bind) => bind(values)) });
  };
}
