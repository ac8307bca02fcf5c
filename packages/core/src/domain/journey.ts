/**
 * The patient journey API's shapes (`/api/patients/{id}/journey…`): a stable contract for the web
 * app and for integrators. A `ref` is `ResourceType/id` of a resource on this server.
 */

/** One resource of a patient's journey. */
export type JourneyNode = {
  ref: string;
  resourceType: string;
  /** When the care happened (its start), else when it was recorded (ISO 8601); absent when unknown. */
  time?: string | null;
  end?: string | null;
  label: string;
  /** The main element's codes as `system|code`. */
  codes: string[];
  /** The Encounter the resource belongs to, as `Encounter/id`. */
  encounter?: string | null;
  providers?: string[];
};

/** A typed link between two journey nodes, in the direction of the reference (`next` follows time). */
export type JourneyEdge = { from: string; to: string; relation: string };

/** A patient's journey, or one page of it. */
export type JourneyGraph = {
  nodes: JourneyNode[];
  edges: JourneyEdge[];
  /** Opaque cursor of the next page, when there is one. */
  next?: string | null;
};

/** One path between two nodes, node by node, with the edges that join them. */
export type JourneyPath = { nodes: string[]; edges: JourneyEdge[] };
