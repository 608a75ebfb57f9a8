import { digestOf } from '../resources/digest.js';

/**
 * Whether a deterministic step may reuse an earlier run instead of running again: the step's
 * reuse key is made of parts — what the command is, the code snapshot, the environment, each
 * literal parameter, each input's content, each output's declaration — and two steps with the
 * same key would do the same work. Each part keeps its own digest, so when a step runs again
 * Trellis can say which part differs from the run it could not reuse (the question Kubeflow
 * users cannot answer). Pure: the caller resolves assets to their content digests first.
 */

/** What a step's command job is made of, resolved to content: the inputs of its reuse key. */
export interface StepContent {
  /** The command as written, placeholders and all. */
  command: string;
  /** The code snapshot's content digest; null without code. */
  code: string | null;
  /** The environment: a curated or registered `name:version`, or an inline environment's digest. */
  environment: string;
  /** Variables, resources and distribution: they change what runs. */
  settings: Record<string, unknown>;
  /** Literal inputs by name, and data inputs by the digest of their content. */
  inputs: Record<string, { literal: string | number | boolean } | { content: string }>;
  /** Declared outputs by name: their type and mode. */
  outputs: Record<string, { type: string; mode?: string | undefined }>;
}

export interface ReuseKey {
  /** The digest of every part together. */
  key: string;
  /** Each part's digest, by name: `command`, `code`, `environment`, `settings`, `inputs.<name>`, `outputs.<name>`. */
  parts: Record<string, string>;
}

export function reuseKeyOf(content: StepContent): ReuseKey {
  const parts: Record<string, string> = {
    command: digestOf(content.command),
    code: digestOf(content.code),
    environment: digestOf(content.environment),
    settings: digestOf(content.settings),
  };
  for (const [name, input] of Object.entries(content.inputs)) parts[`inputs.${name}`] = digestOf(input);
  for (const [name, output] of Object.entries(content.outputs)) parts[`outputs.${name}`] = digestOf(output);
  return { key: digestOf(parts), parts };
}

/** Why a step could not reuse an earlier run with `earlier` parts: the parts that differ, named; empty when none does. */
export function differingParts(current: ReuseKey, earlier: ReuseKey): string[] {
  const names = new Set([...Object.keys(current.parts), ...Object.keys(earlier.parts)]);
  const differing: string[] = [];
  for (const name of [...names].sort()) {
    const now = current.parts[name];
    const then = earlier.parts[name];
    if (now === then) continue;
    differing.push(now === undefined ? `${name} (removed)` : then === undefined ? `${name} (added)` : name);
  }
  return differing;
}

/**
 * The sentence `trellis job show` gives for a step's reuse: reused from which job, or why it ran
 * (forced, not deterministic, no earlier run, or which parts changed since the closest earlier run).
 */
export type ReuseDecision =
  | { reused: true; from: string }
  | { reused: false; why: 'forced' | 'nondeterministic' | 'first' }
  | { reused: false; why: 'changed'; since: string; parts: string[] };

export function reuseExplanation(decision: ReuseDecision): string {
  if (decision.reused) return `reused: the same as job ${decision.from}, whose outputs it passes on`;
  switch (decision.why) {
    case 'forced':
      return 'ran: force_rerun is set';
    case 'nondeterministic':
      return 'ran: its component is not deterministic (is_deterministic: false)';
    case 'first':
      return 'ran: no earlier run of the same step to reuse';
    case 'changed':
      // Nothing changed, yet nothing to reuse: the earlier job had not completed (still running, or failed).
      if (decision.parts.length === 0) return `ran: the same as job ${decision.since}, which had not completed, so had no outputs to reuse`;
      return `ran: ${decision.parts.join(', ')} changed since job ${decision.since}`;
  }
}
