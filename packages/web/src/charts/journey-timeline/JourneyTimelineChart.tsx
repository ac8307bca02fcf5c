import type { JourneyNode } from '@caregraph/core/domain';
import { axisTop, extent, select, zoom, zoomIdentity, type ZoomTransform } from 'd3';
import { useEffect, useMemo, useRef, useState } from 'react';
import { barY, layoutTimeline, markY } from './layout.ts';
import './journey-timeline.css';

type JourneyTimelineChartProps = {
  nodes: readonly JourneyNode[];
  width: number;
  selected: string | undefined;
  onSelect: (ref: string) => void;
};

const DAY = 86_400_000;

/** The whole span of the events, padded so the first and last are not on the edge. */
function fullDomain(nodes: readonly JourneyNode[]): [Date, Date] | undefined {
  const times = nodes.flatMap((node) =>
    [node.time, node.end].flatMap((value) => (value ? [new Date(value).getTime()] : [])),
  );
  const [first, last] = extent(times);
  if (first === undefined || last === undefined) {
    return undefined;
  }
  const pad = Math.max(DAY, (last - first) * 0.02);
  return [new Date(first - pad), new Date(last + pad)];
}

/**
 * The treatment timeline: swim-lanes per category, bars for spans, points for events. Zooming
 * (wheel, drag, or the buttons) narrows the time window and re-lays out the events, so clusters
 * with counts come apart into single events as they get room.
 */
export function JourneyTimelineChart({ nodes, width, selected, onSelect }: JourneyTimelineChartProps) {
  const base = useMemo(() => fullDomain(nodes), [nodes]);
  const [transform, setTransform] = useState<ZoomTransform>(zoomIdentity);
  const svgRef = useRef<SVGSVGElement>(null);
  const axisRef = useRef<SVGGElement>(null);
  const zoomRef = useRef<ReturnType<typeof zoom<SVGSVGElement, unknown>>>(undefined);

  const layout = useMemo(() => {
    if (!base) {
      return undefined;
    }
    const full = layoutTimeline([], { width, domain: base }).x;
    const visible = transform.rescaleX(full).domain() as [Date, Date];
    return layoutTimeline(nodes, { width, domain: visible });
  }, [nodes, width, base, transform]);

  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) {
      return;
    }
    const behaviour = zoom<SVGSVGElement, unknown>()
      .scaleExtent([1, 2000])
      .translateExtent([
        [0, 0],
        [width, 0],
      ])
      .on('zoom', (event: { transform: ZoomTransform }) => setTransform(event.transform));
    zoomRef.current = behaviour;
    const selection = select(svg);
    selection.call(behaviour);
    return () => {
      selection.on('.zoom', null);
    };
  }, [width, base]);

  useEffect(() => {
    if (axisRef.current && layout) {
      select(axisRef.current).call(axisTop(layout.x).ticks(Math.max(2, Math.floor(width / 110))));
    }
  }, [layout, width]);

  const zoomBy = (factor: number) => {
    if (svgRef.current && zoomRef.current) {
      zoomRef.current.scaleBy(select(svgRef.current), factor);
    }
  };
  const reset = () => {
    if (svgRef.current && zoomRef.current) {
      zoomRef.current.transform(select(svgRef.current), zoomIdentity);
    }
  };

  if (!layout) {
    return <p className="muted">No dated events to show on a timeline.</p>;
  }
  const [from, to] = layout.x.domain();
  return (
    <div className="journey-timeline">
      <div className="journey-graph__toolbar">
        <span className="muted" aria-live="polite">
          {from?.toISOString().slice(0, 10)} – {to?.toISOString().slice(0, 10)}
        </span>
        <span className="journey-timeline__buttons">
          <button type="button" className="button button--small" onClick={() => zoomBy(2)}>
            Zoom in
          </button>
          <button type="button" className="button button--small" onClick={() => zoomBy(0.5)}>
            Zoom out
          </button>
          <button type="button" className="button button--small" onClick={reset}>
            All time
          </button>
        </span>
      </div>
      <svg
        ref={svgRef}
        className="journey-timeline__canvas"
        width={width}
        height={layout.height}
        viewBox={`0 0 ${width} ${layout.height}`}
        role="group"
        aria-label="Treatment timeline"
        data-testid="journey-timeline"
      >
        <g ref={axisRef} className="journey-timeline__axis" transform="translate(0, 22)" />
        {layout.lanes.map((lane) => (
          <g key={lane.lane.id} className="journey-timeline__lane" data-lane={lane.lane.id}>
            <rect x={0} y={lane.top} width={width} height={lane.height} className="journey-timeline__band" />
            <text x={8} y={lane.top + lane.height / 2} dominantBaseline="middle" className="journey-timeline__label">
              {lane.lane.label}
            </text>
            {lane.bars.map((bar) => (
              <rect
                key={bar.node.ref}
                x={bar.x1}
                y={barY(lane, bar)}
                width={Math.max(2, bar.x2 - bar.x1)}
                height={9}
                rx={3}
                className={`timeline-bar node--${lane.lane.id}${bar.node.ref === selected ? ' timeline-bar--selected' : ''}`}
                data-ref={bar.node.ref}
                onClick={() => onSelect(bar.node.ref)}
              >
                <title>{bar.node.label}</title>
              </rect>
            ))}
            {lane.marks.map((mark) => {
              const first = mark.nodes[0];
              if (!first) {
                return null;
              }
              const count = mark.nodes.length;
              const radius = count === 1 ? 4.5 : Math.min(13, 5 + Math.sqrt(count) * 1.5);
              return (
                <g
                  key={first.ref}
                  className={`timeline-mark${count > 1 ? ' timeline-mark--cluster' : ''}`}
                  data-count={count}
                  onClick={() => (count === 1 ? onSelect(first.ref) : zoomBy(4))}
                >
                  <circle cx={mark.x} cy={markY(lane)} r={radius} className={`node--${lane.lane.id}`} />
                  {count > 1 && (
                    <text x={mark.x} y={markY(lane)} dominantBaseline="central" textAnchor="middle">
                      {count}
                    </text>
                  )}
                  <title>{count === 1 ? first.label : `${count} events — click to zoom in`}</title>
                </g>
              );
            })}
          </g>
        ))}
      </svg>
    </div>
  );
}
