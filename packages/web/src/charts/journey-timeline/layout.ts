import type { JourneyNode } from '@caregraph/core/domain';
import { scaleTime, type ScaleTime } from 'd3';
import { lanesFor, laneOf, type Lane } from '../lanes.ts';

/** A span drawn as a bar: an encounter, a problem or a medication with a known start and stop. */
export type TimelineBar = { kind: 'bar'; node: JourneyNode; x1: number; x2: number; row: number };

/** One event, or several too close together to tell apart at this zoom, drawn as one mark. */
export type TimelineMark = { kind: 'mark'; nodes: JourneyNode[]; x: number };

export type TimelineLane = {
  lane: Lane;
  top: number;
  height: number;
  bars: TimelineBar[];
  marks: TimelineMark[];
};

export type TimelineLayout = { lanes: TimelineLane[]; height: number; x: ScaleTime<number, number> };

export type TimelineLayoutOptions = {
  width: number;
  /** The visible time window (zoom); events outside it are left out. */
  domain: [Date, Date];
  /** Events closer than this many pixels merge into one mark with a count. */
  clusterPx?: number;
  /** Rows of bars per lane before bars share rows. */
  barRows?: number;
  margin?: { left: number; right: number; top: number };
};

const BAR_LANES = new Set(['encounters', 'problems', 'medications']);
const DEFAULTS = { clusterPx: 8, barRows: 4, margin: { left: 150, right: 24, top: 28 } };
const ROW_HEIGHT = 12;
const MARK_ROW = 28;

const startOf = (node: JourneyNode) => (node.time ? new Date(node.time).getTime() : undefined);
const endOf = (node: JourneyNode) => (node.end ? new Date(node.end).getTime() : undefined);

/**
 * Lays out a treatment timeline: one swim-lane per category; encounters, problems and
 * medications with a start and a later stop are bars, everything else is a point. Points (and bars
 * too short to see) closer than `clusterPx` merge into one counted mark, so thousands of events
 * stay readable when zoomed out and come apart when zoomed in. Pure: same input, same output.
 */
export function layoutTimeline(nodes: readonly JourneyNode[], options: TimelineLayoutOptions): TimelineLayout {
  const clusterPx = options.clusterPx ?? DEFAULTS.clusterPx;
  const barRows = options.barRows ?? DEFAULTS.barRows;
  const margin = options.margin ?? DEFAULTS.margin;
  const x = scaleTime()
    .domain(options.domain)
    .range([margin.left, Math.max(margin.left + 1, options.width - margin.right)]);
  const [from, to] = options.domain.map((date) => date.getTime()) as [number, number];
  const dated = nodes.filter((node) => {
    const start = startOf(node);
    return start !== undefined && (endOf(node) ?? start) >= from && start <= to;
  });
  let top = margin.top;
  const lanes = lanesFor(dated.map((node) => node.resourceType)).map((lane) => {
    const members = dated.filter((node) => laneOf(node.resourceType).id === lane.id);
    const bars: TimelineBar[] = [];
    const points: { node: JourneyNode; x: number }[] = [];
    for (const node of members) {
      const start = startOf(node) ?? from;
      const end = endOf(node);
      const x1 = x(new Date(Math.max(start, from)));
      const x2 = end !== undefined ? x(new Date(Math.min(end, to))) : x1;
      if (BAR_LANES.has(lane.id) && x2 - x1 >= 2) {
        bars.push({ kind: 'bar', node, x1, x2, row: 0 });
      } else {
        points.push({ node, x: x(new Date(start)) });
      }
    }
    assignBarRows(bars, barRows);
    const height = (bars.length > 0 ? barRows * ROW_HEIGHT + 8 : 0) + MARK_ROW;
    const placed = { lane, top, height, bars, marks: clusterPoints(points, clusterPx) };
    top += height + 8;
    return placed;
  });
  return { lanes, height: top, x };
}

/** Greedy interval packing: each bar takes the first row free at its start. */
function assignBarRows(bars: TimelineBar[], rows: number): void {
  bars.sort((a, b) => a.x1 - b.x1 || a.node.ref.localeCompare(b.node.ref));
  const rowEnds = new Array<number>(rows).fill(-Infinity);
  bars.forEach((bar, index) => {
    let row = rowEnds.findIndex((end) => bar.x1 > end + 1);
    if (row < 0) {
      row = index % rows;
    }
    rowEnds[row] = bar.x2;
    bar.row = row;
  });
}

/** Merges points into marks: a point joins the current mark while within `clusterPx` of its first point. */
function clusterPoints(points: { node: JourneyNode; x: number }[], clusterPx: number): TimelineMark[] {
  points.sort((a, b) => a.x - b.x || a.node.ref.localeCompare(b.node.ref));
  const marks: TimelineMark[] = [];
  let current: { nodes: JourneyNode[]; first: number; sum: number } | undefined;
  for (const point of points) {
    if (current && point.x - current.first <= clusterPx) {
      current.nodes.push(point.node);
      current.sum += point.x;
      continue;
    }
    if (current) {
      marks.push({ kind: 'mark', nodes: current.nodes, x: current.sum / current.nodes.length });
    }
    current = { nodes: [point.node], first: point.x, sum: point.x };
  }
  if (current) {
    marks.push({ kind: 'mark', nodes: current.nodes, x: current.sum / current.nodes.length });
  }
  return marks;
}

/** Bar geometry within its lane. */
export function barY(lane: TimelineLane, bar: TimelineBar): number {
  return lane.top + 4 + bar.row * ROW_HEIGHT;
}

/** The y of a lane's row of point marks. */
export function markY(lane: TimelineLane): number {
  return lane.top + lane.height - MARK_ROW / 2;
}
