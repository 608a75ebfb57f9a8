import { randomInt } from 'node:crypto';

// Short word lists in the spirit of MLflow's generated names ("bright-owl-123"); any will do.
export const adjectives = [
  'amber',
  'brave',
  'bright',
  'calm',
  'clever',
  'crisp',
  'eager',
  'gentle',
  'golden',
  'keen',
  'lively',
  'lucky',
  'merry',
  'nimble',
  'quiet',
  'rapid',
  'silver',
  'steady',
  'sunny',
  'swift',
];
export const nouns = [
  'badger',
  'cedar',
  'comet',
  'crane',
  'dune',
  'falcon',
  'fern',
  'fox',
  'harbor',
  'heron',
  'lynx',
  'maple',
  'otter',
  'owl',
  'pine',
  'raven',
  'river',
  'sparrow',
  'tiger',
  'wren',
];

/** A readable name for a run created without one, as MLflow gives. */
export function generateRunName(): string {
  return `${adjectives[randomInt(adjectives.length)]}-${nouns[randomInt(nouns.length)]}-${randomInt(1000)}`;
}
