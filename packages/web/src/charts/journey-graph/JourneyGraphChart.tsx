import type { JourneyEdge, JourneyNode } from '@caregraph/core/domain';
import { select, zoom, zoomIdentity, type ZoomBehavior } from 'd3';
import { useEffect, useMemo, useRef } from 'react';
import { layoutJourneyGraph, type PlacedEdge } from './layout.ts';
import './journey-graph.css';

type JourneyGraphChartProps = {
  nodes: readonly JourneyNode[];
  edges: readonly JourneyEdge[];
  width: number;
  selected: string | undefined;
  /** Refs and edges of the highlighted path. */
  highlight: { nodes: ReadonlySet<string>; edges: ReadonlySet<string> };
  onSelect: (ref: string) => void;
};

/** The key of an edge in a highlight set. */
export function edgeKey(edge: JourneyEdge): string {
  return `${edge.from}|${edge.relation}|${edge.to}`;
}

function edgePath({ source, target }: PlacedEdge): string {
  // A gentle arc, so edges between nodes of one lane do not run along the lane's line.
  const midX = (source.x + target.x) / 2;
  const lift = Math.min(40, Math.abs(target.x - source.x) / 4 + 8);
  const midY = (source.y + target.y) / 2 - lift;
  return `M${source.x},${source.y} Q${midX},${midY} ${target.x},${target.y}`;
}

/**
 * The journey as a graph layered by time: swim-lanes by category, edges as arcs. Zoom and pan with
 * the wheel and drag (d3-zoom owns only the transform of one group); nodes are buttons, so the
 * graph works from the keyboard too.
 */
export function JourneyGraphChart({ nodes, edges, width, selected, highlight, onSelect }: JourneyGraphChartProps) {
  const layout = useMemo(() => layoutJourneyGraph(nodes, edges, { width }), [nodes, edges, width]);
  const svgRef = useRef<SVGSVGElement>(null);
  const viewRef = useRef<SVGGElement>(null);
  const zoomRef = useRef<ZoomBehavior<SVGSVGElement, unknown>>(undefined);

  useEffect(() => {
    const svg = svgRef.current;
    const view = viewRef.current;
    if (!svg || !view) {
      return;
    }
    const behaviour = zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.5, 40])
      .on('zoom', (event: { transform: { toString: () => string } }) => {
        view.setAttribute('transform', event.transform.toString());
      });
    zoomRef.current = behaviour;
    const selection = select(svg);
    selection.call(behaviour);
    return () => {
      selection.on('.zoom', null);
    };
  }, []);

  const resetZoom = () => {
    if (svgRef.current && zoomRef.current) {
      zoomRef.current.transform(select(svgRef.current), zoomIdentity);
    }
  };

  const hasHighlight = highlight.nodes.size > 0;
  return (
    <div className="journey-graph">
      <div className="journey-graph__toolbar">
        <span className="muted">Scroll to zoom, drag to pan.</span>
        <button type="button" className="button button--small" onClick={resetZoom}>
          Reset zoom
        </button>
      </div>
      <svg
        ref={svgRef}
        className="journey-graph__canvas"
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="group"
        aria-label={`Journey graph: ${layout.nodes.length} events, ${layout.edges.length} links`}
        data-testid="journey-graph"
      >
        <g ref={viewRef}>
          {layout.lanes.map((band) => (
            <g key={band.lane.id} className="journey-graph__lane">
              <rect x={0} y={band.top} width={layout.width} height={band.height} />
              <text x={8} y={band.top + band.height / 2} dominantBaseline="middle">
                {band.lane.label}
              </text>
            </g>
          ))}
          <g className="journey-graph__edges" aria-hidden="true">
            {layout.edges.map((placed) => {
              const key = edgeKey(placed.edge);
              const lit = highlight.edges.has(key);
              return (
                <path
                  key={key}
                  d={edgePath(placed)}
                  className={`edge edge--${placed.edge.relation}${lit ? ' edge--highlight' : ''}${hasHighlight && !lit ? ' edge--dim' : ''}`}
                  data-relation={placed.edge.relation}
                />
              );
            })}
          </g>
          <g className="journey-graph__nodes">
            {layout.nodes.map((placed) => {
              const ref = placed.node.ref;
              const lit = highlight.nodes.has(ref);
              const classes = [
                'node',
                `node--${placed.lane}`,
                ref === selected ? 'node--selected' : '',
                lit ? 'node--highlight' : '',
                hasHighlight && !lit ? 'node--dim' : '',
              ].join(' ');
              return (
                <circle
                  key={ref}
                  cx={placed.x}
                  cy={placed.y}
                  r={ref === selected || lit ? 7 : 5}
                  className={classes}
                  data-ref={ref}
                  role="button"
                  tabIndex={0}
                  aria-label={`${placed.node.label} (${placed.node.resourceType}${placed.node.time ? `, ${placed.node.time.slice(0, 10)}` : ''})`}
                  aria-pressed={ref === selected}
                  onClick={() => onSelect(ref)}
                  onKeyDown={(event) => {
                    if (event.key === 'Enter' || event.key === ' ') {
                      event.preventDefault();
                      onSelect(ref);
                    }
                  }}
                >
                  <title>{placed.node.label}</title>
                </circle>
              );
            })}
          </g>
        </g>
      </svg>
    </div>
  );
}
