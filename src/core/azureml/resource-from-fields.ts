import type { ResourceKind } from '../resources/kinds.js';
import type { ResourceFileOf } from '../resources/resource-spec.js';
import { plainDocument } from '../yaml/document-source.js';
import { parseResourceDocument, type ParsedResourceFile } from './parse-resource-file.js';

/** A validated resource of kind `Kind`, as parseResourceFile returns it. */
export type ParsedResourceOf<Kind extends ResourceKind> = Extract<ParsedResourceFile, { kind: Kind }>;

/**
 * Validates a resource that Trellis builds itself (a serverless cluster, a snapshot of uploaded
 * content, a job's output) with the same schema, defaults and checks as a user's file, without
 * writing YAML text. Throws InvalidInput naming `fileName`, as parseResourceFile does.
 */
export function resourceFromFields<Kind extends ResourceKind>(
  kind: Kind,
  fields: ResourceFileOf<Kind>,
  fileName: string,
): ParsedResourceOf<Kind> {
  const parsed = parseResourceDocument(plainDocument({ ...fields }), { fileName, expectedKind: kind });
  // parseResourceDocument refuses a document of another kind than the expected one.
  return parsed as ParsedResourceOf<Kind>;
}
