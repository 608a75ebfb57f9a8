/**
 * MLflow's order_by clauses: `<identifier> [ASC|DESC]`, ascending by default, e.g.
 * "metrics.rmse DESC", "attributes.start_time", "params.`a b` ASC". The identifier is read and
 * resolved as in filters, against the keys a search may be ordered by.
 */
import { runFilterGrammar } from './run-filter.js';
import { type IdentifierRules, invalid, readIdentifier, resolveIdentifier, SearchCursor, withClause } from './search-filter.js';

export interface OrderBy {
  type: 'metric' | 'param' | 'tag' | 'attribute';
  key: string;
  ascending: boolean;
}

/** Runs order by metrics, params, tags and attributes; datasets filter runs but do not sort them (as in MLflow's SQL store). */
export const runOrderByRules: IdentifierRules = {
  entityPrefixes: Object.fromEntries(Object.entries(runFilterGrammar.entityPrefixes).filter(([, entity]) => entity !== 'dataset')),
  attributeKeys: Object.keys(runFilterGrammar.attributes),
  ...(runFilterGrammar.attributeAliases === undefined ? {} : { attributeAliases: runFilterGrammar.attributeAliases }),
};

/** Parses runs/search order_by clauses; throws INVALID_PARAMETER_VALUE naming the bad clause. */
export function parseRunOrderBy(clauses: readonly string[] | undefined): OrderBy[] {
  return parseOrderByClauses(clauses, runOrderByRules);
}

/** Parses a list of order_by clauses against a search's rules, refusing a field ordered twice. */
export function parseOrderByClauses(clauses: readonly string[] | undefined, rules: IdentifierRules): OrderBy[] {
  const orders: OrderBy[] = [];
  const clauseByField = new Map<string, string>();
  for (const clause of clauses ?? []) {
    const order = parseOrderByClause(clause, rules);
    const field = `${order.type}\u0000${order.key}`;
    const earlier = clauseByField.get(field);
    if (earlier !== undefined) {
      throw invalid(
        `\`order_by\` contains duplicate fields: '${earlier}' and '${clause}' both order by ${order.type} '${order.key}'; list each field once`,
      );
    }
    clauseByField.set(field, clause);
    orders.push(order);
  }
  return orders;
}

/** Parses one clause, `<identifier> [ASC|DESC]` (either case, surrounding whitespace ignored). */
export function parseOrderByClause(clause: string, rules: IdentifierRules): OrderBy {
  try {
    const cursor = new SearchCursor(clause);
    cursor.skipWhitespace();
    if (cursor.atEnd) throw invalid('it is empty; write a key, optionally followed by ASC or DESC, e.g. metrics.rmse DESC');
    const identifier = readIdentifier(cursor);
    const { type, key } = resolveIdentifier(identifier, rules);
    if (type === 'dataset') throw invalid(`ordering by ${identifier.text} is not supported; order by a metric, param, tag or attribute`);
    cursor.skipWhitespace();
    let ascending = true;
    if (cursor.takeKeyword('desc')) ascending = false;
    else cursor.takeKeyword('asc');
    cursor.skipWhitespace();
    if (!cursor.atEnd)
      throw invalid(
        `Invalid ordering key ${cursor.describeHere()} ${cursor.where()}; after '${identifier.text}' only ASC or DESC may follow`,
      );
    return { type, key, ascending };
  } catch (error) {
    // Rethrown with the whole clause named, so the message shows what to fix.
    throw withClause(clause, 'order_by clause', error);
  }
}
