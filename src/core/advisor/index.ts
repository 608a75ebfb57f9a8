export {
  type AdvisorRule,
  type Check,
  type Finding,
  type Pillar,
  pillarCodes,
  pillars,
  type ResourceRef,
  ruleIdPattern,
  type SeedLine,
  type Severity,
  severities,
} from './advisor-rule.js';
export { type AdvisorScore, type PillarScore, scoreChecks, severityWeights } from './advisor-score.js';
export { type ArmReadOptions, subjectsFromArm, subjectsFromArmTemplate } from './arm-subjects.js';
export { subjectsFromFile, subjectsFromFiles } from './file-subjects.js';
export { fileUri, type SarifLog, sarifLevel, sarifSchemaUri, toSarif } from './sarif.js';
export { seedLines } from './seed-lines.js';
export {
  checkStaticRules,
  defineStaticRule,
  findingsOf,
  isUndecided,
  type Observation,
  type StaticRule,
  type StaticRuleDefinition,
  type Undecided,
} from './static-rule.js';
export { checkFiles, ruleById, type StaticCheckResult, staticRules } from './static-rules.js';
export type { Known, StaticSubject, SubjectFormat, SubjectKind, Unresolved } from './static-subject.js';
export { subjectsFromYaml, type YamlSubjectOptions } from './yaml-subjects.js';
export { advisorRules, type CatalogueRule, type RuleKind, rulesOf } from './advisor-catalogue.js';
export { defineLiveRule, type LiveRule, type LiveRuleDefinition } from './live/live-rule.js';
export { checkLive, type LiveCheckResult, liveRules } from './live/live-rules.js';
export * from './live/live-snapshot.js';
export { isMarkedProduction, isProductionWorkspace } from './production.js';
export { type AdvisorFile, type FileSetReading, isArmTemplateText, readFileSet } from './file-set.js';
