/**
 * The run panel's sparklines: a tiny uPlot line per numeric metric (no axes,
 * no cursor), gaps (NaN, inf, missing) breaking the line and the last value
 * dotted. A row or table metric (`log_row`) gets a line per numeric column
 * against its x column, as RunDetails charts it, each line on its own scale.
 * Kept per metric across polls: new points update the same chart.
 */

import type uPlot from "uplot";
import { el } from "../components/dom";
import type { RowChartBody, SeriesBody } from "./api";
import { pointCount } from "./chartData";
import { Theme, createPlot, lineStyle } from "./plot";
import { paddedRange } from "./ticks";

export const SPARKLINE_SIZE = { width: 120, height: 28 } as const;

interface Entry {
  el: HTMLElement;
  plot: uPlot;
  data: string;
  labels: string;
}

export class Sparklines {
  private readonly entries = new Map<string, Entry>();

  /** The sparkline of `series` (created, or updated if its points changed). */
  get(series: SeriesBody): HTMLElement {
    const ys = series.y.map(finite);
    const entry = this.entry(series.name, [series.x, ys], [series.name]);
    entry.el.dataset.points = String(pointCount(ys));
    entry.el.dataset.series = "1";
    entry.el.setAttribute("aria-label", `${series.name}: ${series.count} points`);
    return entry.el;
  }

  /** The sparkline of a row or table metric: a line per numeric column against `x_label`. */
  getRows(chart: RowChartBody): HTMLElement {
    // Rows without an x value have no place on the x axis.
    const rows = chart.x.flatMap((x, i) => (x === null ? [] : [i]));
    const xs = rows.map((i) => chart.x[i] ?? 0);
    const lines = chart.lines.map((line) => rows.map((i) => finite(line.y[i] ?? null)));
    const labels = chart.lines.map((line) => line.label);
    const entry = this.entry(chart.name, [xs, ...lines], labels);
    entry.el.dataset.points = String(xs.length);
    entry.el.dataset.series = String(lines.length);
    entry.el.classList.add("rw-sparkline-rows");
    entry.el.setAttribute(
      "aria-label",
      `${chart.name}: ${labels.join(", ")} against ${chart.x_label}, ${chart.count} rows`,
    );
    return entry.el;
  }

  private entry(name: string, data: uPlot.AlignedData, labels: readonly string[]): Entry {
    const key = JSON.stringify([labels, data]);
    let entry = this.entries.get(name);
    if (entry !== undefined && entry.labels !== JSON.stringify(labels)) {
      // Other columns: another chart.
      entry.plot.destroy();
      entry = undefined;
    }
    if (entry === undefined) {
      const node = el("div", "rw-sparkline");
      node.setAttribute("role", "img");
      entry = { el: node, plot: sparkline(data, node), data: key, labels: JSON.stringify(labels) };
      this.entries.set(name, entry);
    } else if (entry.data !== key) {
      entry.plot.setData(data);
      entry.data = key;
    }
    return entry;
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

function finite(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? v : null;
}

/** One line per series of `data` after x, each on its own y scale (columns differ in size). */
function sparkline(data: uPlot.AlignedData, host: HTMLElement): uPlot {
  const theme = new Theme();
  const flat = { log: false, integer: false };
  const count = data.length - 1;
  const yRange: uPlot.Scale = {
    range: (_u, lo, hi) => (lo === hi ? paddedRange(lo, hi, flat) : [lo, hi]),
  };
  const colour = (i: number): string => (count === 1 ? theme.colours.accent : lineStyle(i).color);
  return createPlot(
    {
      ...SPARKLINE_SIZE,
      padding: [3, 3, 3, 3],
      legend: { show: false },
      cursor: { show: false },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      axes: [{ show: false }, { show: false, scale: "y0" }],
      scales: {
        x: { range: (_u, lo, hi) => (lo === hi ? [lo - 1, hi + 1] : [lo, hi]) },
        ...Object.fromEntries(Array.from({ length: count }, (_, i) => [`y${i}`, yRange])),
      },
      series: [
        {},
        ...Array.from({ length: count }, (_, i): uPlot.Series => ({
          scale: `y${i}`,
          stroke: () => colour(i),
          width: 1.5,
          spanGaps: false,
          // No dots but the last value's.
          points: {
            show: false,
            size: 4,
            fill: () => colour(i),
            filter: (u, seriesIdx) => {
              const last = lastValue(u.data[seriesIdx] ?? []);
              return last < 0 ? null : [last];
            },
          },
        })),
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
