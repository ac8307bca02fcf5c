import { useMemo, useState } from 'react';
import { Card } from '../../components/Card.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { JourneyGraphChart, edgeKey } from '../../charts/journey-graph/JourneyGraphChart.tsx';
import { JourneyTimelineChart } from '../../charts/journey-timeline/JourneyTimelineChart.tsx';
import { useJourney, useJourneyPath } from './api.ts';
import { NodeDetails } from './NodeDetails.tsx';
import { PathSummary } from './PathSummary.tsx';
import { TypeFilter } from './TypeFilter.tsx';
import { useElementWidth } from './use-element-width.ts';
import { useJourneyLive } from './use-journey-live.ts';
import './journey-view.css';

type View = 'graph' | 'timeline';

/** A patient's journey: the graph of everything that happened and the treatment timeline. */
export function JourneyView({ patientId }: { patientId: string }) {
  const journey = useJourney(patientId);
  const live = useJourneyLive(patientId);
  const [view, setView] = useState<View>('graph');
  const [hiddenTypes, setHiddenTypes] = useState<ReadonlySet<string>>(new Set());
  const [showTimelineOrder, setShowTimelineOrder] = useState(false);
  const [selected, setSelected] = useState<string | undefined>();
  const [pathEnds, setPathEnds] = useState<{ from?: string; to?: string }>({});
  const path = useJourneyPath(patientId, pathEnds.from, pathEnds.to);
  const { ref: chartRef, width } = useElementWidth<HTMLDivElement>();

  const nodes = useMemo(
    () => (journey.data?.nodes ?? []).filter((node) => !hiddenTypes.has(node.resourceType)),
    [journey.data, hiddenTypes],
  );
  const edges = useMemo(
    () => (journey.data?.edges ?? []).filter((edge) => showTimelineOrder || edge.relation !== 'next'),
    [journey.data, showTimelineOrder],
  );
  const nodesByRef = useMemo(
    () => new Map((journey.data?.nodes ?? []).map((node) => [node.ref, node])),
    [journey.data],
  );
  const highlight = useMemo(() => {
    const found = path.data?.paths[0];
    return {
      nodes: new Set(found?.nodes ?? []),
      edges: new Set((found?.edges ?? []).map(edgeKey)),
    };
  }, [path.data]);
  const selectedNode = selected ? nodesByRef.get(selected) : undefined;

  return (
    <Card
      title="Journey"
      actions={
        <div className="view-switch" role="tablist" aria-label="Journey view">
          {(['graph', 'timeline'] as const).map((name) => (
            <button
              key={name}
              type="button"
              role="tab"
              aria-selected={view === name}
              className={view === name ? 'button button--small button--active' : 'button button--small'}
              onClick={() => setView(name)}
            >
              {name === 'graph' ? 'Graph' : 'Timeline'}
            </button>
          ))}
        </div>
      }
    >
      {journey.isPending && <p className="muted">Loading the journey…</p>}
      {journey.isError && (
        <ErrorMessage error={journey.error} what="this patient's journey" onRetry={() => void journey.refetch()} />
      )}
      {journey.data && journey.data.nodes.length === 0 && (
        <p className="muted">Nothing is recorded for this patient yet.</p>
      )}
      {journey.data && journey.data.nodes.length > 0 && (
        <div className="journey-layout">
          <aside className="journey-layout__side" aria-label="Filters and details">
            <p className="muted" data-testid="journey-counts">
              {journey.data.nodes.length} events, {journey.data.edges.filter((edge) => edge.relation !== 'next').length}{' '}
              links
              {journey.data.truncated ? ' (the most recent are not loaded; narrow the time window)' : ''}
            </p>
            {live === 'connected' && <p className="muted live-badge">● Live</p>}
            <TypeFilter nodes={journey.data.nodes} hidden={hiddenTypes} onChange={setHiddenTypes} />
            <label className="checkbox">
              <input
                type="checkbox"
                checked={showTimelineOrder}
                onChange={(event) => setShowTimelineOrder(event.target.checked)}
              />
              Show timeline order
            </label>
            {selectedNode && (
              <NodeDetails
                node={selectedNode}
                pathFrom={pathEnds.from}
                onPathFrom={(ref) => setPathEnds({ from: ref })}
                onPathTo={(ref) => setPathEnds((ends) => ({ ...ends, to: ref }))}
              />
            )}
            {pathEnds.from && (
              <PathSummary
                path={path}
                from={pathEnds.from}
                to={pathEnds.to}
                nodesByRef={nodesByRef}
                onClear={() => setPathEnds({})}
              />
            )}
          </aside>
          <div
            className="journey-layout__chart"
            ref={chartRef}
            role="tabpanel"
            aria-label={view === 'graph' ? 'Graph' : 'Timeline'}
          >
            {view === 'graph' ? (
              <JourneyGraphChart
                nodes={nodes}
                edges={edges}
                width={width}
                selected={selected}
                highlight={highlight}
                onSelect={setSelected}
              />
            ) : (
              <JourneyTimelineChart nodes={nodes} width={width} selected={selected} onSelect={setSelected} />
            )}
          </div>
        </div>
      )}
    </Card>
  );
}
