import { z } from 'zod';
import { isRemotePath } from './paths.js';
import { readOnlyFields, readOnlyShape } from './read-only-fields.js';
import { assetFields, azureEnum, closedObject, countField, freeMapping, whenMapping } from './schema-helpers.js';

const route = closedObject({ port: countField(), path: z.string() });

/** Routes of a custom inference container (azure-ai-ml InferenceConfigSchema: all three required). */
const inferenceConfig = closedObject({ liveness_route: route, readiness_route: route, scoring_route: route });

/** A Docker build context: a local folder (uploaded) or a URL; the Dockerfile sits inside it. */
const buildContext = closedObject({
  path: z.string().min(1, 'must not be empty'),
  // Azure's documented default (reference-yaml-environment: build.dockerfile_path).
  dockerfile_path: z.string().default('Dockerfile'),
});

/**
 * An environment (az ml environment create), after azure-ai-ml's EnvironmentSchema and
 * Environment.validate(): exactly one of `image` or `build`; `conda_file` is a path to a conda
 * YAML file (Azure inlines its content) or the conda mapping itself, and goes with `image`.
 */
export const environmentSchema = closedObject(
  {
    ...assetFields,
    ...readOnlyShape('environment'),
    image: z.string().min(1, 'must not be empty').optional(),
    build: buildContext.optional(),
    conda_file: z
      .union([z.string().min(1), freeMapping], { error: 'must be the path of a conda YAML file or an inline conda mapping' })
      .optional(),
    os_type: azureEnum(['linux', 'windows']).optional(),
    inference_config: inferenceConfig.optional(),
    datastore: z.string().optional(),
    // Accepted only to explain the mistake below: these belong in the conda file.
    channels: z.unknown().optional(),
    dependencies: z.unknown().optional(),
  },
  [...readOnlyFields.environment, 'channels', 'dependencies'],
).superRefine((environment, context) => {
  for (const key of ['channels', 'dependencies'] as const) {
    if (environment[key] === undefined) continue;
    context.addIssue({
      code: 'custom',
      path: [key],
      message: `'${key}' belongs in a conda file, not in the environment YAML; move the conda content to its own file and point to it with conda_file: <file>`,
    });
  }
  const hasImage = environment.image !== undefined;
  const hasBuild = environment.build !== undefined;
  if (!hasImage && !hasBuild) {
    context.addIssue({
      code: 'custom',
      path: [],
      message: 'an environment needs image (a Docker image) or build (a Docker build context); neither is set',
    });
  }
  if (hasImage && hasBuild) {
    context.addIssue({
      code: 'custom',
      path: ['build'],
      message: 'image and build are mutually exclusive; keep one (install packages in the Dockerfile when using build)',
    });
  }
  const condaFile = environment.conda_file;
  if (condaFile !== undefined && !hasImage && hasBuild) {
    context.addIssue({
      code: 'custom',
      path: ['conda_file'],
      message:
        'conda_file goes with image (Azure ML builds the conda environment on top of it); with build, install the packages in the Dockerfile',
    });
  }
  if (typeof condaFile === 'string' && isRemotePath(condaFile)) {
    context.addIssue({
      code: 'custom',
      path: ['conda_file'],
      message: `conda_file must be a local file (relative to this YAML file) or an inline mapping, not '${condaFile}'`,
    });
  }
}, whenMapping);
