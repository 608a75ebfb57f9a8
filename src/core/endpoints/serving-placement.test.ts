import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ServingPlacement, serversToRouteTo } from './serving-placement.js';

const placement = (server: string, readyInstances: number, seenAt: number): ServingPlacement => ({
  workspace: 'default',
  endpoint: 'e',
  deployment: 'blue',
  server,
  address: `http://${server}`,
  readyInstances,
  seenAt,
});

describe('serversToRouteTo', () => {
  const options = { now: 10_000, freshMs: 3_000, self: 'here', random: 0 };

  it('names the fresh servers with a ready instance, other than this one, each once', () => {
    const found = serversToRouteTo(
      [
        placement('a', 1, 9_000),
        placement('a', 2, 9_500),
        placement('b', 0, 9_900),
        placement('c', 1, 6_000),
        placement('here', 3, 9_999),
        placement('d', 1, 7_000),
      ],
      options,
    );
    assert.deepEqual(found, [
      { server: 'a', address: 'http://a' },
      { server: 'd', address: 'http://d' },
    ]);
  });

  it('rotates the order with the random draw, so calls spread over the servers', () => {
    const placements = [placement('a', 1, 9_000), placement('b', 1, 9_000), placement('c', 1, 9_000)];
    const firsts = [0, 0.34, 0.67].map((random) => serversToRouteTo(placements, { ...options, random })[0]?.server);
    assert.deepEqual(firsts, ['a', 'b', 'c']);
    assert.deepEqual(
      serversToRouteTo(placements, { ...options, random: 0.5 }).map((found) => found.server),
      ['b', 'c', 'a'],
    );
  });

  it('names none when no instance is ready anywhere', () => {
    assert.deepEqual(serversToRouteTo([placement('a', 0, 9_000)], options), []);
  });
});
