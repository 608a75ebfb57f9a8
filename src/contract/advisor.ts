import { z } from 'zod';
import { pillars, severities } from '../core/advisor/advisor-rule.js';
import { workspaceParams } from './common.js';
import { problemSchema } from './problem.js';
import { defineRoute } from './route.js';

/** The advisor: its rules, the live rules' recommendations and score per workspace, and a check of files against the static rules. */

const pillar = z.enum(pillars);
const severity = z.enum(severities);
const ruleKind = z.enum(['static', 'live']);

const seedLineSchema = z
  .object({
    document: z.string(),
    url: z.string(),
    section: z.string().describe("where in the document, e.g. 'Cost Optimization › Workload design checklist'"),
    line: z.string().describe("the seed line's text"),
    code: z.string().optional().describe('its Well-Architected checklist code, e.g. CO:07'),
  })
  .meta({ id: 'AdvisorSeedLine' });

export const advisorRuleSchema = z
  .object({
    id: z.string().describe('TRL-<REL|SEC|COST|OPS|PERF>-NNN: 001-099 static, 101-199 live'),
    pillar,
    severity,
    kind: ruleKind.describe('static: checks files before they are applied; live: checks the running system'),
    title: z.string(),
    seed: seedLineSchema,
    why: z.string(),
    fix: z.string(),
    appliesTo: z.string(),
    alsoKnownAs: z.array(z.string()).readonly().optional(),
  })
  .meta({ id: 'AdvisorRule' });

const resourceRefSchema = z.object({
  kind: z.string(),
  name: z.string(),
  file: z.string().optional(),
  line: z.number().int().optional(),
  pointer: z.string().optional().describe('JSON pointer of the field at fault in its file'),
});

const findingSchema = z
  .object({
    ruleId: z.string(),
    pillar,
    severity,
    resource: resourceRefSchema,
    message: z.string().describe('what it found, naming the value'),
    fix: z.string(),
  })
  .meta({ id: 'AdvisorFinding' });

const checkSchema = z
  .object({
    ruleId: z.string(),
    pillar,
    severity,
    resource: resourceRefSchema,
    outcome: z.enum(['passed', 'failed', 'unknown']).describe('unknown: the rule could not decide (see reason); not scored'),
    findings: z.array(findingSchema),
    reason: z.string().optional(),
  })
  .meta({ id: 'AdvisorCheck' });

const pillarScoreSchema = z.object({
  score: z.number().nullable().describe('0-100; null when nothing of the pillar passed or failed'),
  passed: z.number().int(),
  failed: z.number().int(),
  unknown: z.number().int(),
});

const scoreFields = {
  overall: z.number().nullable().describe('the mean of the pillar scores that are not null'),
  pillars: z.object({
    reliability: pillarScoreSchema,
    security: pillarScoreSchema,
    cost: pillarScoreSchema,
    operations: pillarScoreSchema,
    performance: pillarScoreSchema,
  }),
};

export const recommendationSchema = findingSchema
  .extend({ title: z.string(), kind: ruleKind, why: z.string(), seed: seedLineSchema })
  .meta({ id: 'AdvisorRecommendation' });

const evaluation = {
  workspace: z.string(),
  evaluatedAt: z.number().describe('when the workspace was read (epoch ms)'),
  serverRules: z
    .boolean()
    .describe(
      "whether the server-wide rules (TRL-SEC-101, 103, 104, 105) were evaluated: only for callers who may read role assignments at '/'",
    ),
};

export const workspaceScoreSchema = z
  .object({
    ...evaluation,
    ...scoreFields,
    checks: z.number().int().describe('checks made: one rule on one resource'),
    notApplicable: z.array(z.string()).describe('live rules that applied to nothing in the workspace, so are not in the score'),
  })
  .meta({ id: 'AdvisorWorkspaceScore' });

export const fileCheckSchema = z
  .object({
    checked: z.array(z.string()).describe('files read as Azure ML YAML or ARM templates'),
    skipped: z.array(z.object({ file: z.string(), reason: z.string() })),
    invalid: z.array(
      z.object({ file: z.string(), message: z.string(), problems: problemSchema.shape.problems.unwrap().describe('each problem found') }),
    ),
    checks: z.array(checkSchema),
    findings: z.array(findingSchema).describe('most severe first'),
    score: z.object(scoreFields),
  })
  .meta({ id: 'AdvisorFileCheck' });

const sarifLevel = z.enum(['error', 'warning', 'note']);

/** A SARIF 2.1.0 log (https://docs.oasis-open.org/sarif/sarif/v2.1.0/) as core/advisor/sarif.ts writes it: what code scanning reads. */
export const sarifLogSchema = z
  .object({
    $schema: z.string(),
    version: z.literal('2.1.0'),
    runs: z.array(
      z.object({
        tool: z.object({
          driver: z.object({
            name: z.string(),
            version: z.string().optional(),
            informationUri: z.string().optional(),
            rules: z.array(
              z.object({
                id: z.string(),
                name: z.string(),
                shortDescription: z.object({ text: z.string() }),
                fullDescription: z.object({ text: z.string() }),
                help: z.object({ text: z.string(), markdown: z.string() }),
                helpUri: z.string(),
                defaultConfiguration: z.object({ level: sarifLevel }),
                properties: z.object({
                  tags: z.array(z.string()),
                  pillar: z.string(),
                  severity,
                  seed: z.string(),
                  'security-severity': z.string().optional(),
                }),
              }),
            ),
          }),
        }),
        results: z.array(
          z.object({
            ruleId: z.string(),
            ruleIndex: z.number().int().optional(),
            level: sarifLevel,
            message: z.object({ text: z.string() }),
            locations: z
              .array(
                z.object({
                  physicalLocation: z.object({
                    artifactLocation: z.object({ uri: z.string() }),
                    region: z.object({ startLine: z.number().int() }),
                  }),
                  logicalLocations: z
                    .array(z.object({ name: z.string(), kind: z.string(), fullyQualifiedName: z.string().optional() }))
                    .optional(),
                }),
              )
              .optional(),
            properties: z.object({ fix: z.string(), resource: z.string() }),
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'SarifLog' });

const tags = ['advisor'];

export const advisorRoutes = {
  rules: defineRoute('GET', '/api/v1/advisor/rules', {
    tags,
    summary: "The advisor's rules, static and live, each with its pillar, severity, seed line, why and fix",
    querystring: z.object({ pillar: pillar.optional(), kind: ruleKind.optional() }),
    response: { 200: z.object({ items: z.array(advisorRuleSchema) }), 400: problemSchema },
  }),
  check: defineRoute('POST', '/api/v1/advisor/check', {
    tags,
    summary:
      'Check Azure ML YAML files and ARM templates against the static rules, as trellis advisor check does locally (nothing is stored); format=sarif answers a SARIF 2.1.0 log',
    querystring: z.object({ format: z.enum(['json', 'sarif']).default('json') }),
    body: z
      .object({
        files: z
          .array(z.object({ name: z.string().min(1).describe("the file's path, relative to the repository root"), text: z.string() }))
          .min(1)
          .max(20_000),
      })
      .strict(),
    response: { 200: z.union([fileCheckSchema, sarifLogSchema]), 400: problemSchema },
  }),
  recommendations: defineRoute('GET', '/api/v1/workspaces/:workspace/advisor/recommendations', {
    tags,
    summary: "The live rules' findings on the workspace, most severe first, each with its rule's title, why, fix and seed line",
    params: workspaceParams,
    querystring: z.object({ pillar: pillar.optional() }),
    response: {
      200: z.object({ ...evaluation, items: z.array(recommendationSchema) }).meta({ id: 'AdvisorRecommendations' }),
      400: problemSchema,
      404: problemSchema,
    },
  }),
  score: defineRoute('GET', '/api/v1/workspaces/:workspace/advisor/score', {
    tags,
    summary: "The workspace's advisor score per pillar and overall, after Azure Advisor's (docs/advisor.md)",
    params: workspaceParams,
    response: { 200: workspaceScoreSchema, 404: problemSchema },
  }),
};
