/**
 * The dashboard's two charts, rendered from one server answer each: a scatter
 * of one column against another across runs (the best point ringed), and one
 * metric's series from the picked runs overlaid, with a legend by run number.
 */

import { el } from "../components/dom";
import { formatNumber } from "../components/format";
import type { RunSeries, ScatterBody, ScatterPoint } from "./api";
import { extent, frame, lineStyle, svg } from "./chartFrame";

export type Goal = "min" | "max";

export interface ChartSize {
  width: number;
  height: number;
}

export interface ScatterView {
  readonly el: HTMLElement;
  readonly best: ScatterPoint | null;
}

/** The point with the lowest (or highest) y; the earliest run wins a tie. */
export function bestPoint<P extends ScatterPoint>(points: readonly P[], goal: Goal): P | null {
  let best: P | null = null;
  for (const p of points) {
    if (p.x === null || p.y === null || !Number.isFinite(p.y)) continue;
    if (
      best === null ||
      (goal === "min" ? p.y < (best.y ?? 0) : p.y > (best.y ?? 0)) ||
      (p.y === best.y && p.number < best.number)
    )
      best = p;
  }
  return best;
}

export function scatterChart(
  body: ScatterBody,
  options: { goal: Goal; logX: boolean; logY: boolean; size: ChartSize },
  openRun: (id: string) => void,
): ScatterView {
  const shown = body.points.filter(
    (p): p is ScatterPoint & { x: number; y: number } =>
      p.x !== null &&
      p.y !== null &&
      Number.isFinite(p.x) &&
      Number.isFinite(p.y) &&
      (!options.logX || p.x > 0) &&
      (!options.logY || p.y > 0),
  );
  const missing = body.points.length - shown.length;
  const xs = extent(
    shown.map((p) => p.x),
    options.logX,
  );
  const ys = extent(
    shown.map((p) => p.y),
    options.logY,
  );
  const note = el("div", "rw-db-chart-note");
  const root = el("div", "rw-db-scatter", note);
  if (xs === null || ys === null) {
    note.textContent = `No run has numeric values for both ${body.x.label} and ${body.y.label}.`;
    return { el: root, best: null };
  }
  const best = bestPoint(shown, options.goal);
  const chart = frame({
    ...options.size,
    x: {
      domain: xs,
      label: body.x.label,
      log: options.logX,
      integer: shown.every((p) => Number.isInteger(p.x)),
    },
    y: {
      domain: ys,
      label: body.y.label,
      log: options.logY,
      integer: shown.every((p) => Number.isInteger(p.y)),
    },
    className: "rw-db-scatter-chart",
  });
  chart.root.dataset.x = body.x.key;
  chart.root.dataset.y = body.y.key;
  chart.root.setAttribute("aria-label", `${body.y.label} against ${body.x.label}`);
  // The best point last, so it is drawn over any point it overlaps.
  const ordered = best === null ? shown : [...shown.filter((p) => p !== best), best];
  for (const p of ordered) {
    const isBest = p === best;
    const name = p.display_name === null ? "" : ` ${p.display_name}`;
    const title = [
      `#${p.number}${name}${isBest ? ` (best: ${options.goal} ${body.y.label})` : ""}`,
      p.id,
      `${body.x.label}: ${formatNumber(p.x)}`,
      `${body.y.label}: ${formatNumber(p.y)}`,
    ].join("\n");
    const point = svg(
      "circle",
      {
        cx: chart.x(p.x).toFixed(1),
        cy: chart.y(p.y).toFixed(1),
        r: isBest ? 6 : 4,
        class: `rw-db-point${isBest ? " rw-db-best" : ""}`,
        "data-run-id": p.id,
        "data-number": p.number,
        "data-x": p.x,
        "data-y": p.y,
        "data-status": p.status,
        tabindex: 0,
      },
      svg("title", {}, title),
    );
    point.addEventListener("click", () => {
      openRun(p.id);
    });
    point.addEventListener("keydown", (event) => {
      if (event.key === "Enter") openRun(p.id);
    });
    chart.marks.append(point);
  }
  root.append(chart.root);
  const parts = [`${shown.length} ${shown.length === 1 ? "run" : "runs"}`];
  if (missing > 0)
    parts.push(`${missing} without values${options.logX || options.logY ? " > 0" : ""}`);
  if (best !== null)
    parts.push(
      `best (${options.goal} ${body.y.label}): #${best.number} at ${body.x.label} = ${formatNumber(best.x)}, ${body.y.label} = ${formatNumber(best.y)}`,
    );
  note.textContent = parts.join(" · ");
  return { el: root, best };
}

export function overlayChart(
  metric: string,
  series: readonly RunSeries[],
  options: { logY: boolean; size: ChartSize },
  openRun: (id: string) => void,
): HTMLElement {
  const root = el("div", "rw-db-overlay");
  const xs = extent(series.flatMap((s) => s.x));
  const ys = extent(
    series.flatMap((s) => s.y.filter((v): v is number => v !== null)),
    options.logY,
  );
  if (xs === null || ys === null) {
    root.append(el("div", "rw-db-chart-note", `None of these runs logged numeric ${metric}.`));
    return root;
  }
  const chart = frame({
    ...options.size,
    x: { domain: xs, label: "step", integer: series.every((s) => s.x.every(Number.isInteger)) },
    y: { domain: ys, label: metric, log: options.logY },
    className: "rw-db-overlay-chart",
  });
  chart.root.dataset.metric = metric;
  const legend = el("ul", "rw-db-legend");
  series.forEach((s, index) => {
    const { color, dash } = lineStyle(index);
    const name = `#${s.number}${s.display_name === null ? "" : ` ${s.display_name}`}`;
    const d = linePath(s, chart.x, chart.y, options.logY);
    const line = svg(
      "path",
      {
        d,
        class: "rw-db-line",
        stroke: color,
        "stroke-dasharray": dash,
        "data-run-id": s.id,
        "data-number": s.number,
      },
      svg("title", {}, `${name}\n${s.id}\n${metric}: ${s.count} points`),
    );
    line.addEventListener("click", () => {
      openRun(s.id);
    });
    chart.marks.append(line);
    // A lone point draws no line: mark it.
    if (s.x.length === 1 && d !== "")
      chart.marks.append(
        svg("circle", {
          cx: chart.x(s.x[0] ?? 0),
          cy: chart.y(s.y[0] ?? 0),
          r: 3,
          fill: color,
        }),
      );
    const swatch = el("span", "rw-db-swatch");
    swatch.style.borderTopColor = color;
    swatch.style.borderTopStyle = dash === "" ? "solid" : "dashed";
    const item = el("li", "rw-db-legend-item", swatch, name);
    item.dataset.runId = s.id;
    item.dataset.number = String(s.number);
    item.title = `${s.id}: click to open`;
    item.addEventListener("click", () => {
      openRun(s.id);
    });
    legend.append(item);
  });
  root.append(chart.root, legend);
  return root;
}

/** The series as one path; missing values (and non-positive ones on a log axis) break it. */
function linePath(
  s: RunSeries,
  x: (v: number) => number,
  y: (v: number) => number,
  logY: boolean,
): string {
  let d = "";
  let pen = false;
  s.x.forEach((xi, i) => {
    const yi = s.y[i];
    if (yi === null || yi === undefined || !Number.isFinite(yi) || (logY && yi <= 0)) {
      pen = false;
      return;
    }
    d += `${pen ? "L" : "M"}${x(xi).toFixed(1)},${y(yi).toFixed(1)}`;
    pen = true;
  });
  return d;
}
