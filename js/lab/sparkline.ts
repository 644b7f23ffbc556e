/**
 * The run panel's sparklines: a tiny uPlot line per numeric metric (no axes,
 * no cursor), gaps (NaN, inf, missing) breaking the line and the last value
 * dotted. Kept per metric across polls: new points update the same chart.
 */

import type uPlot from "uplot";
import { el } from "../components/dom";
import type { SeriesBody } from "./api";
import { pointCount } from "./chartData";
import { Theme, createPlot } from "./plot";
import { paddedRange } from "./ticks";

export const SPARKLINE_SIZE = { width: 120, height: 28 } as const;

interface Entry {
  el: HTMLElement;
  plot: uPlot;
  data: string;
}

export class Sparklines {
  private readonly entries = new Map<string, Entry>();

  /** The sparkline of `series` (created, or updated if its points changed). */
  get(series: SeriesBody): HTMLElement {
    const ys = series.y.map((v) => (v !== null && Number.isFinite(v) ? v : null));
    const data: uPlot.AlignedData = [series.x, ys];
    const key = JSON.stringify(data);
    let entry = this.entries.get(series.name);
    if (entry === undefined) {
      const node = el("div", "rw-sparkline");
      entry = { el: node, plot: sparkline(data, node), data: key };
      this.entries.set(series.name, entry);
    } else if (entry.data !== key) {
      entry.plot.setData(data);
      entry.data = key;
    }
    const label = `${series.name}: ${series.count} points`;
    entry.el.dataset.points = String(pointCount(ys));
    entry.el.setAttribute("role", "img");
    entry.el.setAttribute("aria-label", label);
    return entry.el;
  }

  /** Drop the sparklines of metrics not in `names`. */
  keep(names: ReadonlySet<string>): void {
    for (const [name, entry] of this.entries) {
      if (names.has(name)) continue;
      entry.plot.destroy();
      this.entries.delete(name);
    }
  }

  dispose(): void {
    this.keep(new Set());
  }
}

function sparkline(data: uPlot.AlignedData, host: HTMLElement): uPlot {
  const theme = new Theme();
  const flat = { log: false, integer: false };
  return createPlot(
    {
      ...SPARKLINE_SIZE,
      padding: [3, 3, 3, 3],
      legend: { show: false },
      cursor: { show: false },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      axes: [{ show: false }, { show: false }],
      scales: {
        x: { range: (_u, lo, hi) => (lo === hi ? [lo - 1, hi + 1] : [lo, hi]) },
        y: { range: (_u, lo, hi) => (lo === hi ? paddedRange(lo, hi, flat) : [lo, hi]) },
      },
      series: [
        {},
        {
          stroke: () => theme.colours.accent,
          width: 1.5,
          spanGaps: false,
          // No dots but the last value's.
          points: {
            show: false,
            size: 4,
            fill: () => theme.colours.accent,
            filter: (u, seriesIdx) => {
              const last = lastValue(u.data[seriesIdx] ?? []);
              return last < 0 ? null : [last];
            },
          },
        },
      ],
    },
    data,
    theme,
    host,
  );
}

function lastValue(ys: ArrayLike<number | null | undefined>): number {
  for (let i = ys.length - 1; i >= 0; i--) if (ys[i] !== null && ys[i] !== undefined) return i;
  return -1;
}
