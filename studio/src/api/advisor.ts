import type { AdvisorRecommendationsBody, AdvisorScoreBody } from '../../../src/client/trellis-client.js';
import { trellis } from './client.js';

/**
 * The advisor's live rules on one workspace, after Azure Advisor: the score per pillar and
 * overall (/api/v1/workspaces/{ws}/advisor/score) and the recommendations, each a rule's finding
 * on a resource with why it matters and the fix (.../advisor/recommendations). Types are the
 * client's, inferred from the routes.
 */

export type AdvisorScore = AdvisorScoreBody;
export type Recommendation = AdvisorRecommendationsBody['items'][number];
export type Pillar = Recommendation['pillar'];
export type Severity = Recommendation['severity'];

/** The five pillars of the Well-Architected Framework, in the order Azure Advisor shows them. */
export const pillars: readonly Pillar[] = ['reliability', 'security', 'cost', 'operations', 'performance'];

export const getAdvisorScore = (workspace: string): Promise<AdvisorScore> => trellis.advisorScore(workspace);

/** The recommendations of the workspace, most severe first; of one pillar when given. */
export async function listRecommendations(workspace: string, pillar?: Pillar): Promise<Recommendation[]> {
  return (await trellis.advisorRecommendations(workspace, pillar ? { pillar } : {})).items;
}

export function advisorPagePath(workspace: string, pillar?: Pillar): string {
  return `/w/${workspace}/advisor${pillar ? `?pillar=${pillar}` : ''}`;
}

export type AdvisorRule = Awaited<ReturnType<typeof trellis.listAdvisorRules>>['items'][number];

/** The live rules (those the score is made of), for the titles of the ones that apply to nothing here. */
export async function listLiveRules(): Promise<AdvisorRule[]> {
  return (await trellis.listAdvisorRules({ kind: 'live' })).items;
}
