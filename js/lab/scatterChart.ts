/**
 * The dashboard's scatter of one column against another across runs, drawn
 * by uPlot: a point per run, a tooltip with the run and its exact values, and
 * the best run (as the server decided it) ringed. The data the chart holds is
 * also on the page as text, for screen readers and tests.
 */

import type uPlot from "uplot";
import { el, setChildren } from "../components/dom";
import { formatNumber, formatTimestamp } from "../components/format";
import type { ScatterBody, ScatterPoint } from "./api";
import { nearestPoint, scatterData } from "./chartData";
import type { PlottedPoint } from "./chartData";
import { Theme, axis, createPlot, recordTicks, scale } from "./plot";
import type { ChartSize, ChartView } from "./plot";
import { wholeNumbers } from "./ticks";
import type { AxisKind } from "./ticks";

export interface ScatterOptions {
  logX: boolean;
  logY: boolean;
  size: ChartSize;
}

const HOVER_RADIUS = 12;

export function scatterChart(
  body: ScatterBody,
  options: ScatterOptions,
  openRun: (id: string) => void,
): ChartView {
  const { points, missing } = scatterData(body.points, options.logX, options.logY);
  const note = el("div", "rw-db-chart-note");
  const root = el("div", "rw-db-scatter", note);
  const best = body.points.find((p) => p.id === body.best) ?? null;
  note.textContent = summary(body, points.length, missing, options);
  if (points.length === 0) {
    return { el: root, destroy: () => undefined };
  }
  const xKind = axisKind(
    body.x.key,
    options.logX,
    points.map((p) => p.x),
  );
  const yKind = axisKind(
    body.y.key,
    options.logY,
    points.map((p) => p.y),
  );
  const chart = el("div", "rw-chart rw-db-scatter-chart");
  const plotted = points.find((p) => p.id === body.best) ?? null;
  Object.assign(chart.dataset, {
    x: body.x.key,
    y: body.y.key,
    points: String(points.length),
    goal: body.goal ?? "",
    best: plotted?.id ?? "",
    xLabel: xKind.log ? `${body.x.label} (log)` : body.x.label,
    yLabel: yKind.log ? `${body.y.label} (log)` : body.y.label,
  });
  chart.setAttribute("role", "img");
  chart.setAttribute("aria-label", `${body.y.label} against ${body.x.label}`);
  const theme = new Theme();
  const ring = el("div", "rw-chart-best");
  const tip = el("div", "rw-chart-tip");
  tip.hidden = true;
  let hovered: PlottedPoint | null = null;

  const plot = createPlot(
    {
      width: options.size.width,
      height: options.size.height,
      legend: { show: false },
      cursor: {
        x: false,
        y: false,
        points: { show: false },
        drag: { x: false, y: false, setScale: false },
      },
      scales: {
        x: scale(xKind),
        y: scale(yKind),
      },
      axes: [
        axis(
          { scale: "x", label: body.x.label, kind: xKind, drawn: recordTicks(chart, "xTicks") },
          theme,
        ),
        axis(
          { scale: "y", label: body.y.label, kind: yKind, drawn: recordTicks(chart, "yTicks") },
          theme,
        ),
      ],
      series: [
        {},
        {
          label: body.y.label,
          stroke: () => theme.colours.accent,
          paths: () => null,
          points: dots(points.length, theme),
        },
      ],
      hooks: {
        draw: [
          (u) => {
            placeRing(u, ring, plotted);
          },
        ],
        setCursor: [
          (u) => {
            hovered = pointAt(u, points);
            showTip(u, tip, hovered, body, best);
          },
        ],
      },
    },
    [points.map((p) => p.x), points.map((p) => p.y)],
    theme,
    chart,
  );
  if (plotted !== null) {
    Object.assign(ring.dataset, {
      runId: plotted.id,
      x: String(plotted.x),
      y: String(plotted.y),
    });
    ring.title = `best: ${runName(plotted)}`;
    plot.over.append(ring);
  }
  plot.over.append(tip);
  plot.over.addEventListener("click", () => {
    if (hovered !== null) openRun(hovered.id);
  });
  plot.over.style.cursor = "crosshair";
  root.append(chart, dataList(points, body));
  return {
    el: root,
    destroy: () => {
      plot.destroy();
    },
  };
}

/**
 * Filled dots outlined in the background colour, so overlapping runs stay apart;
 * smaller and without the outline when there are thousands.
 */
function dots(count: number, theme: Theme): uPlot.Series.Points {
  const dense = count > 500;
  return {
    show: true,
    size: dense ? 4 : 9,
    width: dense ? 0 : 1,
    fill: () => theme.colours.accent,
    stroke: () => (dense ? theme.colours.accent : theme.colours.background),
  };
}

function summary(
  body: ScatterBody,
  shown: number,
  missing: number,
  options: ScatterOptions,
): string {
  if (shown === 0)
    return `No run has numeric values for both ${body.x.label} and ${body.y.label}${options.logX || options.logY ? " (> 0 on a log axis)" : ""}.`;
  const parts = [`${shown} ${shown === 1 ? "run" : "runs"}`];
  if (missing > 0)
    parts.push(`${missing} without values${options.logX || options.logY ? " > 0" : ""}`);
  if (body.goal === null) {
    parts.push("no goal: pick one to ring the best run");
    return parts.join(" · ");
  }
  const which = `${body.goal === "min" ? "lowest" : "highest"} ${body.y.label}`;
  const by = body.goal_source === "sweep" ? "the primary metric's goal" : "your pick";
  const best = body.points.find((p) => p.id === body.best);
  if (best === undefined) parts.push(`best: ${which} (${by}); no run has a value`);
  else {
    const x = best.x === null ? "no value" : valueText(body.x.key, best.x);
    const y = best.y === null ? "no value" : valueText(body.y.key, best.y);
    parts.push(
      `best: ${which} (${by}): ${runName(best)} at ${body.x.label} = ${x}, ${body.y.label} = ${y}`,
    );
  }
  return parts.join(" · ");
}

/** How an axis of column `key` is drawn: times as times (never log), whole numbers without half steps. */
function axisKind(key: string, log: boolean, values: readonly number[]): AxisKind {
  const time = key === "created_time";
  return { log: log && !time, integer: !time && wholeNumbers(values), time };
}

/** A value of column `key` as the tooltip shows it. */
function valueText(key: string, value: number): string {
  return key === "created_time" ? formatTimestamp(value) : formatNumber(value);
}

/** The point under the pointer (within a few pixels), if any. */
function pointAt(u: uPlot, points: readonly PlottedPoint[]): PlottedPoint | null {
  const { left, top } = u.cursor;
  if (left === undefined || top === undefined || left < 0 || top < 0) return null;
  const index = nearestPoint(
    points.map((p) => u.valToPos(p.x, "x")),
    points.map((p) => u.valToPos(p.y, "y")),
    left,
    top,
    HOVER_RADIUS,
  );
  return points[index] ?? null;
}

function placeRing(u: uPlot, ring: HTMLElement, point: PlottedPoint | null): void {
  if (point === null) return;
  ring.style.left = `${u.valToPos(point.x, "x")}px`;
  ring.style.top = `${u.valToPos(point.y, "y")}px`;
}

function showTip(
  u: uPlot,
  tip: HTMLElement,
  point: PlottedPoint | null,
  body: ScatterBody,
  best: { id: string } | null,
): void {
  tip.hidden = point === null;
  if (point === null) return;
  const name = point.display_name === null ? "" : ` ${point.display_name}`;
  const isBest = best?.id === point.id;
  setChildren(
    tip,
    el("div", "rw-chart-tip-title", `${runName(point)}${name}`),
    el("div", "rw-mono rw-muted", point.id),
    el("div", "", `${body.x.label}: ${valueText(body.x.key, point.x)}`),
    el("div", "", `${body.y.label}: ${valueText(body.y.key, point.y)}`),
    isBest ? el("div", "rw-chart-tip-best", `best (${body.goal ?? ""} ${body.y.label})`) : null,
  );
  const x = u.valToPos(point.x, "x");
  const y = u.valToPos(point.y, "y");
  const width = u.over.clientWidth;
  // Keep the tip inside the plot: to the left of points on the right half.
  tip.style.left = x > width / 2 ? "" : `${x + 12}px`;
  tip.style.right = x > width / 2 ? `${width - x + 12}px` : "";
  tip.style.top = `${Math.max(0, y - 12)}px`;
  tip.dataset.runId = point.id;
}

/** How a point's run is named: a sweep's trial by its index ("Trial 7"), else "#9". */
function runName(point: Pick<ScatterPoint, "number" | "trial_label">): string {
  return point.trial_label ?? `#${point.number}`;
}

/** The plotted points as a visually hidden list: what the canvas shows, as text. */
function dataList(points: readonly PlottedPoint[], body: ScatterBody): HTMLElement {
  const list = el("ul", "rw-chart-data");
  list.setAttribute("aria-label", `${body.y.label} against ${body.x.label}, one item per run`);
  for (const p of points) {
    const item = el(
      "li",
      "",
      `${runName(p)}: ${body.x.label} ${valueText(body.x.key, p.x)}, ${body.y.label} ${valueText(body.y.key, p.y)}${p.id === body.best ? " (best)" : ""}`,
    );
    Object.assign(item.dataset, { runId: p.id, x: String(p.x), y: String(p.y) });
    list.append(item);
  }
  return list;
}
