import { statementNamer } from '../../../platform/db/statement-names.ts';

/**
 * How many distinct search statement texts become prepared statements. Search SQL varies with the
 * query's shape (parameters, modifiers, number of values), never with its values, so a few dozen
 * texts cover an application's searches.
 */
export const MAX_NAMED_STATEMENTS = 100;

/**
 * Query options that run a generated search statement as a prepared statement on PostgreSQL, named
 * after its text: the same search shape then skips parsing, and once PostgreSQL settles on a generic
 * plan (after five executions, when it costs no more than the custom ones), planning too, which
 * costs more than executing these index-driven queries.
 */
export const searchStatement = statementNamer('fhir_search', MAX_NAMED_STATEMENTS);
