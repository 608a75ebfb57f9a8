import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crossingsOf, type Edge, layersOf, layoutDag, orderLayers } from './dag-layout.js';

describe('layersOf', () => {
  it('puts a chain one node a layer, in the order of its edges', () => {
    assert.deepEqual(
      layersOf(
        ['c', 'b', 'a'],
        [
          ['a', 'b'],
          ['b', 'c'],
        ],
      ),
      [['a'], ['b'], ['c']],
    );
  });

  it('puts a node one layer after the furthest step it waits for (longest path), and independent ones together', () => {
    const edges: Edge[] = [
      ['prep', 'train'],
      ['prep', 'report'],
      ['train', 'report'],
    ];
    assert.deepEqual(layersOf(['prep', 'train', 'report', 'lint'], edges), [['prep', 'lint'], ['train'], ['report']]);
  });

  it('draws a diamond in three layers, the two branches side by side in the order written', () => {
    const edges: Edge[] = [
      ['a', 'b'],
      ['a', 'c'],
      ['b', 'd'],
      ['c', 'd'],
    ];
    assert.deepEqual(layersOf(['a', 'b', 'c', 'd'], edges), [['a'], ['b', 'c'], ['d']]);
  });

  it('ignores edges to unknown nodes, self-loops and repeats, and keeps nodes on a cycle in a last layer', () => {
    assert.deepEqual(
      layersOf(
        ['a', 'b'],
        [
          ['a', 'b'],
          ['a', 'b'],
          ['b', 'b'],
          ['ghost', 'a'],
        ],
      ),
      [['a'], ['b']],
    );
    assert.deepEqual(
      layersOf(
        ['a', 'x', 'y'],
        [
          ['x', 'y'],
          ['y', 'x'],
        ],
      ),
      [['a'], ['x', 'y']],
    );
    assert.deepEqual(layersOf([], []), []);
  });
});

describe('orderLayers', () => {
  it("untangles crossing edges by the position of each node's neighbours", () => {
    // a feeds y, b feeds x: written as [x, y] the two edges cross.
    const edges: Edge[] = [
      ['a', 'y'],
      ['b', 'x'],
    ];
    const layers = [
      ['a', 'b'],
      ['x', 'y'],
    ];
    assert.equal(crossingsOf(layers, edges), 1);
    const ordered = orderLayers(layers, edges);
    assert.equal(crossingsOf(ordered, edges), 0);
    assert.deepEqual(ordered, [
      ['a', 'b'],
      ['y', 'x'],
    ]);
  });

  it('leaves a graph without crossings as written', () => {
    const layers = [['a', 'b'], ['c']];
    assert.deepEqual(
      orderLayers(layers, [
        ['a', 'c'],
        ['b', 'c'],
      ]),
      layers,
    );
  });
});

describe('layoutDag', () => {
  const spacing = { nodeWidth: 100, nodeHeight: 40, columnGap: 50, rowGap: 10, margin: 5 };

  it('places a column per layer, left to right, each centred on the tallest', () => {
    const layout = layoutDag(
      ['a', 'b', 'c'],
      [
        ['a', 'c'],
        ['b', 'c'],
      ],
      spacing,
    );
    assert.deepEqual(layout.layers, [['a', 'b'], ['c']]);
    assert.deepEqual(layout.at.get('a'), { x: 5, y: 5 });
    assert.deepEqual(layout.at.get('b'), { x: 5, y: 55 });
    // The one node of the second layer sits level with the middle of the first.
    assert.deepEqual(layout.at.get('c'), { x: 155, y: 30 });
    assert.equal(layout.width, 5 + 100 + 50 + 100 + 5);
    assert.equal(layout.height, 5 + 40 + 10 + 40 + 5);
  });

  it('routes an edge that spans layers through a row of its own in each layer between, never through a node', () => {
    // a → b → c, and a → c past b.
    const layout = layoutDag(
      ['a', 'b', 'c'],
      [
        ['a', 'b'],
        ['b', 'c'],
        ['a', 'c'],
      ],
      spacing,
    );
    assert.deepEqual(layout.layers, [['a'], ['b'], ['c']]);
    const long = layout.routes.find((route) => route.from === 'a' && route.to === 'c');
    assert.equal(long?.waypoints.length, 1);
    const waypoint = long!.waypoints[0]!;
    const b = layout.at.get('b')!;
    assert.equal(waypoint.x, b.x);
    assert.ok(Math.abs(waypoint.y - b.y) >= 40 + 10, `the waypoint (y ${waypoint.y}) clears b (y ${b.y})`);
    // The middle layer holds b and the waypoint: the drawing is two rows tall.
    assert.equal(layout.height, 5 + 40 + 10 + 40 + 5);
    assert.deepEqual(
      layout.routes.filter((route) => route.waypoints.length === 0).map((route) => `${route.from}>${route.to}`),
      ['a>b', 'b>c'],
    );
  });

  it('orders waypoints with the nodes so long edges cross no more than they must', () => {
    // Two sources each feeding a node two layers on: the long edges should not cross.
    const edges: Edge[] = [
      ['top', 'mid'],
      ['mid', 'end_top'],
      ['bottom', 'end_bottom'],
      ['top', 'end_top'],
    ];
    const layout = layoutDag(['top', 'bottom', 'mid', 'end_top', 'end_bottom'], edges, spacing);
    const y = (node: string) => layout.at.get(node)!.y;
    assert.ok(y('end_top') < y('end_bottom'), JSON.stringify([...layout.at]));
  });

  it('has room for one node alone, and none for no nodes', () => {
    const one = layoutDag(['solo'], [], spacing);
    assert.deepEqual(one.at.get('solo'), { x: 5, y: 5 });
    assert.equal(one.width, 110);
    assert.equal(one.height, 50);
    assert.equal(layoutDag([], [], spacing).at.size, 0);
  });
});
