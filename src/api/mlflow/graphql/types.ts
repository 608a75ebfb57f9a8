import {
  GraphQLBoolean,
  GraphQLEnumType,
  type GraphQLFieldConfig,
  GraphQLFloat,
  GraphQLInputObjectType,
  type GraphQLInputType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  type GraphQLOutputType,
  GraphQLString,
  getNamedType,
  isListType,
  isNonNullType,
} from 'graphql';
import { LongString } from './scalars.js';

/** What every resolver gets: the workspace of the URL, and a check that the caller may do an action there. */
export interface GraphqlContext {
  workspace: string;
  /** Resolves when the caller holds `Microsoft.MachineLearningServices/workspaces/<action>` in the workspace; throws otherwise. */
  requireAction(action: string): Promise<void>;
}

export type Field = GraphQLFieldConfig<unknown, GraphqlContext>;
/** A field as objectType takes it: a bare type (read from the source) or a config with its own resolver. */
export type FieldSpec = GraphQLOutputType | Field;

/** camelCase (GraphQL's field names) to snake_case (MLflow's JSON, which Trellis's services return). */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** A property of a source object, or undefined. */
export function propertyOf(source: unknown, key: string): unknown {
  return typeof source === 'object' && source !== null ? (source as Record<string, unknown>)[key] : undefined;
}

/**
 * What MLflow's protobuf messages answer for a field that is not set: 0, '', false or [] by type
 * ("fileSize": "0" for a folder, "context": "" for a dataset without one); messages and enums stay null.
 */
function unsetValueOf(type: GraphQLOutputType): unknown {
  const bare = isNonNullType(type) ? type.ofType : type;
  if (isListType(bare)) return [];
  const named = getNamedType(bare);
  if (named === LongString || named === GraphQLInt || named === GraphQLFloat) return 0;
  if (named === GraphQLString) return '';
  if (named === GraphQLBoolean) return false;
  return null;
}

/**
 * An object type whose fields read the snake_case property of the same name (or the proto default
 * when it is missing); a field given as a config keeps its own resolver.
 */
export function objectType(name: string, fields: () => Record<string, FieldSpec>): GraphQLObjectType {
  return new GraphQLObjectType<unknown, GraphqlContext>({
    name,
    fields: () =>
      Object.fromEntries(
        Object.entries(fields()).map(([fieldName, spec]) => {
          if ('type' in spec) return [fieldName, spec];
          const key = snakeCase(fieldName);
          const field: Field = { type: spec, resolve: (source) => propertyOf(source, key) ?? unsetValueOf(spec) };
          return [fieldName, field];
        }),
      ),
  });
}

export function inputType(name: string, fields: Record<string, GraphQLInputType>): GraphQLInputObjectType {
  return new GraphQLInputObjectType({ name, fields: Object.fromEntries(Object.entries(fields).map(([key, type]) => [key, { type }])) });
}

export function enumType(name: string, values: readonly string[]): GraphQLEnumType {
  return new GraphQLEnumType({ name, values: Object.fromEntries(values.map((value) => [value, { value }])) });
}

/** A list of non-null items, as MLflow's repeated fields are typed. */
export function listOf(type: GraphQLObjectType): GraphQLList<GraphQLNonNull<GraphQLObjectType>> {
  return new GraphQLList(new GraphQLNonNull(type));
}
