import { sql, type Kysely } from 'kysely';
import type { StateDatabase } from '../../connectors/sink.js';

/** What every PostgreSQL-family part of the state store stands on: the database and its state schema's tables. */
export abstract class PgStateTables {
  protected readonly db: Kysely<any>;
  protected readonly stateSchema: string;

  constructor(database: StateDatabase, schema: string) {
    this.db = database.db;
    this.stateSchema = schema;
  }

  /** `schema.name`, quoted. */
  protected table(name: string) {
    return sql.table(`${this.stateSchema}.${name}`);
  }
}
