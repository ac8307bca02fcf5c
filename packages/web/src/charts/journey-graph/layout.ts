import type { JourneyEdge, JourneyNode } from '@caregraph/core/domain';
import { extent, scaleTime } from 'd3';
import { lanesFor, laneOf, type Lane } from '../lanes.ts';

/** A node's place on the canvas. */
export type PlacedNode = { node: JourneyNode; x: number; y: number; lane: string };

/** An edge between two placed nodes. */
export type PlacedEdge = { edge: JourneyEdge; source: PlacedNode; target: PlacedNode };

/** A swim-lane band. */
export type PlacedLane = { lane: Lane; top: number; height: number };

export type GraphLayout = {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  lanes: PlacedLane[];
  /** x of the column holding undated nodes, when there are any. */
  undatedX: number | undefined;
  /** The time axis, left to right. */
  domain: [Date, Date] | undefined;
};

export type GraphLayoutOptions = {
  width: number;
  /** Height of a lane; nodes that would overlap stack in rows inside it, growing it up to maxLaneHeight. */
  laneHeight?: number;
  maxLaneHeight?: number;
  /** Minimum horizontal distance between two nodes in one row of a lane. */
  minGap?: number;
  margin?: { left: number; right: number; top: number };
};

const DEFAULTS = { laneHeight: 96, maxLaneHeight: 420, minGap: 14, margin: { left: 150, right: 24, top: 28 } };
const LANE_PADDING = 16;
const UNDATED_COLUMN = 40;

/**
 * Lays a journey out layered by time: x is when it happened, y is its category's swim-lane.
 * Nodes that would overlap take the next free row of their lane (rows alternate above and below
 * the lane's middle), and a lane grows to fit its busiest stretch, up to `maxLaneHeight`; past
 * that, nodes share rows until zoomed in. Pure: same input, same output.
 */
export function layoutJourneyGraph(
  nodes: readonly JourneyNode[],
  edges: readonly JourneyEdge[],
  options: GraphLayoutOptions,
): GraphLayout {
  const laneHeight = options.laneHeight ?? DEFAULTS.laneHeight;
  const maxLaneHeight = Math.max(laneHeight, options.maxLaneHeight ?? DEFAULTS.maxLaneHeight);
  const minGap = options.minGap ?? DEFAULTS.minGap;
  const margin = options.margin ?? DEFAULTS.margin;
  const lanes = lanesFor(nodes.map((node) => node.resourceType));
  const times = nodes.flatMap((node) => (node.time ? [new Date(node.time).getTime()] : []));
  const hasUndated = times.length < nodes.length;
  const left = margin.left + (hasUndated ? UNDATED_COLUMN : 0);
  const [first, last] = extent(times);
  const domain: [Date, Date] | undefined =
    first !== undefined && last !== undefined ? [new Date(first), new Date(last)] : undefined;
  const x = scaleTime()
    .domain(domain ?? [new Date(0), new Date(1)])
    .range([left, Math.max(left + 1, options.width - margin.right)]);

  // A lane grows to hold its busiest stretch without overlap, up to maxLaneHeight; past that,
  // nodes share rows and zooming in separates them.
  const maxRows = Math.max(1, Math.floor((maxLaneHeight - LANE_PADDING) / minGap));
  const placed: PlacedNode[] = [];
  const placedLanes: PlacedLane[] = [];
  let top = margin.top;
  for (const lane of lanes) {
    const members = nodes
      .filter((node) => laneOf(node.resourceType).id === lane.id)
      .map((node) => ({ node, x: node.time ? x(new Date(node.time)) : margin.left + UNDATED_COLUMN / 2 }))
      .sort((a, b) => a.x - b.x || a.node.ref.localeCompare(b.node.ref));
    const rowEnds: number[] = [];
    const rows = members.map((member, index) => {
      let row = rowEnds.findIndex((end) => member.x - end >= minGap);
      if (row < 0) {
        row = rowEnds.length < maxRows ? rowEnds.length : index % maxRows;
      }
      rowEnds[row] = member.x;
      return row;
    });
    const height = Math.max(laneHeight, rowEnds.length * minGap + LANE_PADDING);
    const band = { lane, top, height };
    placedLanes.push(band);
    members.forEach((member, index) => {
      placed.push({
        node: member.node,
        x: member.x,
        y: band.top + band.height / 2 + rowOffset(rows[index] ?? 0) * minGap,
        lane: lane.id,
      });
    });
    top += height;
  }
  const byRef = new Map(placed.map((node) => [node.node.ref, node]));
  const placedEdges = edges.flatMap((edge) => {
    const source = byRef.get(edge.from);
    const target = byRef.get(edge.to);
    return source && target ? [{ edge, source, target }] : [];
  });
  return {
    width: options.width,
    height: top + 8,
    nodes: placed,
    edges: placedEdges,
    lanes: placedLanes,
    undatedX: hasUndated ? margin.left + UNDATED_COLUMN / 2 : undefined,
    domain,
  };
}

/** Row 0 on the middle line, then 1 above, 1 below, 2 above … (in units of the row gap). */
function rowOffset(row: number): number {
  if (row === 0) {
    return 0;
  }
  const step = Math.ceil(row / 2);
  return row % 2 === 1 ? -step : step;
}
