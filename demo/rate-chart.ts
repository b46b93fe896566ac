// A live per-partition rate chart for the Event Hubs panel: events/s over the last minute, one
// line per partition, drawn as SVG without a chart library. The panel reports what its consumer
// receives (`record`); the chart keeps one-second buckets and redraws once a second.

const SVG = 'http://www.w3.org/2000/svg';
const SECONDS = 60;
const WIDTH = 900;
const HEIGHT = 150;
const PAD = { left: 36, right: 8, top: 8, bottom: 18 };
const COLOURS = ['#0969da', '#1a7f37', '#cf222e', '#9a6700', '#8250df', '#bf3989', '#0a7b83', '#57606a'];

export interface RateChart {
  readonly node: HTMLElement;
  /** Starts over with these partitions (a new hub or connection). */
  reset(partitionIds: string[]): void;
  /** `count` events of `partitionId` arrived now. */
  record(partitionId: string, count: number): void;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

export function createRateChart(id: string): RateChart {
  const node = document.createElement('figure');
  node.id = id;
  node.className = 'rate-chart';
  const drawing = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': 'events per second per partition, last minute' });
  const legend = document.createElement('figcaption');
  node.append(drawing, legend);
  // Per partition: counts per whole second, keyed by the second (epoch seconds).
  let buckets = new Map<string, Map<number, number>>();

  const draw = () => {
    const now = Math.floor(Date.now() / 1000);
    const series = [...buckets].map(([partitionId, counts]) => {
      for (const second of counts.keys()) if (second < now - SECONDS) counts.delete(second);
      // The current second is still filling up: plot up to the last complete one.
      return { partitionId, rates: Array.from({ length: SECONDS }, (_, i) => counts.get(now - SECONDS + i) ?? 0) };
    });
    const peak = Math.max(1, ...series.flatMap((s) => s.rates));
    const x = (i: number) => PAD.left + (i / (SECONDS - 1)) * (WIDTH - PAD.left - PAD.right);
    const y = (rate: number) => HEIGHT - PAD.bottom - (rate / peak) * (HEIGHT - PAD.top - PAD.bottom);
    const parts: SVGElement[] = [
      svg('line', { x1: PAD.left, y1: y(0), x2: WIDTH - PAD.right, y2: y(0), class: 'axis' }),
      svg('line', { x1: PAD.left, y1: y(peak), x2: WIDTH - PAD.right, y2: y(peak), class: 'grid' }),
    ];
    const label = (text: string, attributes: Record<string, string | number>) => {
      const node = svg('text', attributes);
      node.textContent = text;
      return node;
    };
    parts.push(label(`${peak}/s`, { x: PAD.left - 4, y: y(peak) + 4, 'text-anchor': 'end' }), label('0', { x: PAD.left - 4, y: y(0) + 4, 'text-anchor': 'end' }));
    parts.push(label('−60 s', { x: PAD.left, y: HEIGHT - 4 }), label('now', { x: WIDTH - PAD.right, y: HEIGHT - 4, 'text-anchor': 'end' }));
    series.forEach(({ partitionId, rates }, index) => {
      const points = rates.map((rate, i) => `${x(i).toFixed(1)},${y(rate).toFixed(1)}`).join(' ');
      parts.push(svg('polyline', { points, fill: 'none', stroke: COLOURS[index % COLOURS.length]!, 'stroke-width': 1.5, 'data-partition': partitionId }));
    });
    drawing.replaceChildren(...parts);
    legend.replaceChildren(
      ...series.map(({ partitionId, rates }, index) => {
        const entry = document.createElement('span');
        entry.style.setProperty('--colour', COLOURS[index % COLOURS.length]!);
        entry.dataset.partition = partitionId;
        entry.textContent = `partition ${partitionId}: ${rates.at(-1)}/s`;
        return entry;
      }),
    );
  };
  setInterval(draw, 1000);

  return {
    node,
    reset(partitionIds) {
      buckets = new Map(partitionIds.map((partitionId) => [partitionId, new Map()]));
      draw();
    },
    record(partitionId, count) {
      const counts = buckets.get(partitionId);
      if (!counts) return;
      const second = Math.floor(Date.now() / 1000);
      counts.set(second, (counts.get(second) ?? 0) + count);
    },
  };
}
