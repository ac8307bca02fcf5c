import type { Database } from '../../../platform/db/index.ts';
import { readJourneyNodes, type JourneyPageOptions } from './read-journey.ts';
import { readNodes, requirePatient, type JourneyNode } from './journey-nodes.ts';

export type TimelineGrouping = 'day' | 'encounter';

/** The encounter a group of events happened in, as the timeline heads it. */
export type TimelineEncounter = { ref: string; label?: string; time?: string | null; end?: string };

/**
 * Events of one day (UTC) or one encounter, in time order. `key` is the day or the Encounter
 * reference; null gathers the events without a date (by day) or outside any encounter.
 */
export type TimelineGroup = {
  key: string | null;
  day?: string | null;
  encounter?: TimelineEncounter | null;
  events: JourneyNode[];
};

export type Timeline = { groupBy: TimelineGrouping; groups: TimelineGroup[]; next?: string };

function encounterOf(node: JourneyNode): string | null {
  return node.resourceType === 'Encounter' ? node.ref : (node.encounter ?? null);
}

/**
 * Groups nodes already in timeline order: groups come in the order of their first event, and
 * each keeps its events in order. `encounters` heads the encounter groups (label and period);
 * an encounter not among them (not stored yet) is headed by its reference alone.
 */
export function groupTimeline(
  nodes: readonly JourneyNode[],
  groupBy: TimelineGrouping,
  encounters: ReadonlyMap<string, JourneyNode> = new Map(),
): TimelineGroup[] {
  const groups = new Map<string | null, TimelineGroup>();
  for (const node of nodes) {
    const key = groupBy === 'day' ? (node.time?.slice(0, 10) ?? null) : encounterOf(node);
    let group = groups.get(key);
    if (!group) {
      group =
        groupBy === 'day' ? { key, day: key, events: [] } : { key, encounter: toHeading(key, encounters), events: [] };
      groups.set(key, group);
    }
    group.events.push(node);
  }
  return [...groups.values()];
}

function toHeading(ref: string | null, encounters: ReadonlyMap<string, JourneyNode>): TimelineEncounter | null {
  if (ref === null) {
    return null;
  }
  const node = encounters.get(ref);
  return node
    ? { ref, label: node.label, time: node.time, ...(node.end === undefined ? {} : { end: node.end }) }
    : { ref };
}

/** A page of the journey's events (the same filters and paging as the journey), grouped. */
export async function readTimeline(
  db: Database,
  options: JourneyPageOptions & { groupBy: TimelineGrouping },
): Promise<Timeline> {
  await requirePatient(db, options);
  const page = await readJourneyNodes(db, options);
  let encounters = new Map<string, JourneyNode>();
  if (options.groupBy === 'encounter') {
    const onPage = new Map(
      page.nodes.filter((node) => node.resourceType === 'Encounter').map((node) => [node.ref, node]),
    );
    const missing = [...new Set(page.nodes.map(encounterOf))].filter(
      (ref): ref is string => ref !== null && !onPage.has(ref),
    );
    const read = await readNodes(db, options, missing);
    encounters = new Map([...onPage, ...read.map((node): [string, JourneyNode] => [node.ref, node])]);
  }
  return {
    groupBy: options.groupBy,
    groups: groupTimeline(page.nodes, options.groupBy, encounters),
    ...(page.next === undefined ? {} : { next: page.next }),
  };
}
