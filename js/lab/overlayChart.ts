/**
 * One metric's series from the runs picked in the dashboard's table, overlaid
 * by uPlot: a line per run on one step axis, a legend below the plot (never
 * over it) by run number with the values under the cursor, a click on a
 * legend entry to hide or show that run, and drag to zoom (double-click resets).
 */

import uPlot from "uplot";
import { el } from "../components/dom";
import { formatNumber } from "../components/format";
import type { RunSeries } from "./api";
import { plottedSeries, pointCount } from "./chartData";
import { Theme, axis, createPlot, lineStyle, recordTicks, scale } from "./plot";
import type { ChartSize, ChartView } from "./plot";
import { wholeNumbers } from "./ticks";

export interface OverlayOptions {
  logY: boolean;
  size: ChartSize;
}

export function overlayChart(
  metric: string,
  series: readonly RunSeries[],
  options: OverlayOptions,
): ChartView {
  const root = el("div", "rw-db-overlay");
  const tables = series.map((s) => plottedSeries(s, options.logY));
  const counts = tables.map(([, ys]) => pointCount(ys));
  if (counts.every((c) => c === 0)) {
    const why = options.logY ? ` > 0 (log axis)` : "";
    root.append(
      el("div", "rw-db-chart-note", `No data: none of these runs logged numeric ${metric}${why}.`),
    );
    return { el: root, destroy: () => undefined };
  }
  // One x axis for every run: steps missing from a run are spanned, its own gaps are kept.
  const data = uPlot.join(tables.map(([xs, ys]) => [xs, ys] as uPlot.AlignedData));
  const xs = Array.from(data[0]);
  const xKind = { log: false, integer: wholeNumbers(xs) };
  const yKind = { log: options.logY, integer: false };
  const theme = new Theme();
  const chart = el("div", "rw-chart rw-db-overlay-chart");
  Object.assign(chart.dataset, { metric, runs: String(series.length) });
  chart.setAttribute("aria-label", `${metric} of ${series.length} runs by step`);
  const plot = createPlot(
    {
      width: options.size.width,
      height: options.size.height,
      scales: {
        x: scale(xKind),
        y: scale(yKind),
      },
      axes: [
        axis(
          { scale: "x", label: "step", kind: xKind, drawn: recordTicks(chart, "xTicks") },
          theme,
        ),
        axis(
          { scale: "y", label: metric, kind: yKind, drawn: recordTicks(chart, "yTicks") },
          theme,
        ),
      ],
      cursor: { focus: { prox: 16 } },
      focus: { alpha: 0.3 },
      legend: {
        live: true,
        // Filled swatches in each run's line colour (uPlot's default is the series fill).
        markers: { width: 0, fill: (_u, i) => lineStyle(i - 1).color },
      },
      series: [
        { label: "step", value: (_u, v: number | null) => (v === null ? "—" : formatNumber(v)) },
        ...series.map((s, i): uPlot.Series => {
          const { color, dash } = lineStyle(i);
          return {
            // A sweep's trial by its index ("Trial 7"), another run by its number.
            label: `${s.trial_label ?? `#${s.number}`}${s.display_name === null ? "" : ` ${s.display_name}`}`,
            stroke: color,
            dash,
            width: 1.6,
            spanGaps: false,
            value: (_u, v: number | null) => (v === null ? "—" : formatNumber(v)),
            points: { size: 5, fill: color },
          };
        }),
      ],
    },
    data,
    theme,
    chart,
  );
  // Mark each legend row with its run: tests and the dashboard find runs by id.
  const rows = plot.root.querySelectorAll<HTMLElement>(".u-legend .u-series");
  rows.forEach((row, i) => {
    const s = series[i - 1];
    if (s === undefined) return;
    row.classList.add("rw-db-legend-item");
    Object.assign(row.dataset, {
      runId: s.id,
      number: String(s.number),
      points: String(counts[i - 1] ?? 0),
    });
    row.title = `${s.id} · ${s.count} values logged, ${counts[i - 1] ?? 0} drawn: click to hide or show`;
  });
  root.append(chart);
  return {
    el: root,
    destroy: () => {
      plot.destroy();
    },
  };
}
