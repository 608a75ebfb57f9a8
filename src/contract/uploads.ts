import { z } from 'zod';
import { binaryBody, workspaceParams } from './common.js';
import { problemSchema } from './problem.js';
import { defineRoute } from './route.js';

const uploaded = z.object({ digest: z.string(), size: z.number().int(), isNew: z.boolean() }).meta({ id: 'UploadedContent' });
const uploadedFolder = uploaded.extend({ fileCount: z.number().int() });
const errors = { 400: problemSchema, 404: problemSchema, 413: problemSchema, 422: problemSchema };
const tags = ['uploads'];

/**
 * Content uploads: bytes stream straight into the workspace's artifact store, addressed by sha256;
 * a folder is a manifest of uploaded files, itself stored as content.
 */
export const uploadRoutes = {
  file: defineRoute('POST', '/api/v1/workspaces/:workspace/uploads', {
    tags,
    summary: 'Upload one file (Content-Type: application/octet-stream); returns its sha256 digest',
    params: workspaceParams,
    querystring: z.object({ digest: z.string().optional().describe('sha256:<hex> the bytes must hash to; refused if they do not') }),
    response: { 200: uploaded, 201: uploaded, ...errors },
  }),
  folder: defineRoute('POST', '/api/v1/workspaces/:workspace/uploads/folders', {
    tags,
    summary: 'Declare a folder from files already uploaded; returns the digest of its manifest',
    params: workspaceParams,
    body: z.object({ files: z.array(z.object({ path: z.string(), digest: z.string(), size: z.number().int().nonnegative() })) }),
    response: { 200: uploadedFolder, 201: uploadedFolder, ...errors },
  }),
  content: defineRoute('GET', '/api/v1/workspaces/:workspace/contents/:digest', {
    tags,
    summary: 'Download content by digest (HEAD tells whether it is stored)',
    params: workspaceParams.extend({ digest: z.string() }),
    response: {
      200: {
        description: 'the bytes; x-trellis-content-size has their size',
        content: { 'application/octet-stream': { schema: binaryBody } },
      },
      400: problemSchema,
      404: problemSchema,
    },
  }),
};
