/**
 * A value the state database refused (a data exception or an integrity violation), after the
 * target had taken the rows: a value that lives in the state (a reject's payload, a key) rather
 * than in the target. The state databases are PostgreSQL-family, whose SQLSTATEs tell it.
 */
import { describeDataError, isRowDataError } from '../../connectors/sql/refusals.js';

export const isStateDataError = isRowDataError;
export const describeStateDataError = describeDataError;
