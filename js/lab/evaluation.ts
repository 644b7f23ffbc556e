/**
 * The run panel's model-evaluation charts: confusion matrices, accuracy tables
 * (ROC, precision-recall, calibration, gains, lift), residuals and predictions.
 * The server computes every point (GET runs/{id}/evaluation); this draws them as
 * SVG coloured from JupyterLab's theme variables, so light and dark both read.
 * Hovering a point or cell shows its exact values; a metric logged more than
 * once gets a step slider.
 */

import { el, setChildren } from "../components/dom";
import { formatNumber } from "../components/format";
import type { EvaluationChart, EvaluationMetric } from "./api";
import { cellColour, domain, scale } from "./evaluationMath";
import { lineStyle } from "./plot";
import { drawFrame, svg } from "./svgFrame";

const WIDTH = 400;
const HEIGHT = 290;
const MARGIN = { top: 12, right: 14, bottom: 44, left: 54 };
const BOX = { width: WIDTH, height: HEIGHT, margin: MARGIN };

class Tooltip {
  readonly el = el("div", "rw-ev-tip");
  constructor() {
    this.el.hidden = true;
  }
  attach(target: Element, host: HTMLElement, text: string): void {
    target.addEventListener("mouseenter", (event) => {
      this.el.textContent = text;
      this.el.hidden = false;
      this.move(event as MouseEvent, host);
    });
    target.addEventListener("mousemove", (event) => {
      this.move(event as MouseEvent, host);
    });
    target.addEventListener("mouseleave", () => {
      this.el.hidden = true;
    });
  }
  private move(event: MouseEvent, host: HTMLElement): void {
    // Beside the pointer, on the side with more room, so it never leaves the chart's box.
    const box = host.getBoundingClientRect();
    const x = event.clientX - box.left;
    const right = x > box.width / 2;
    this.el.style.left = right ? "" : `${x + 12}px`;
    this.el.style.right = right ? `${box.width - x + 12}px` : "";
    this.el.style.top = `${event.clientY - box.top + 12}px`;
  }
}

/** Lines, histograms and error bars. */
function drawLines(chart: EvaluationChart, tip: Tooltip, host: HTMLElement): SVGSVGElement {
  const root = svg("svg", { class: "rw-ev-svg", viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img" });
  root.setAttribute("aria-label", chart.title);
  const xd = domain(chart.x_domain, chart.series, "x");
  const yd = domain(chart.y_domain, chart.series, "y");
  const x = scale(xd[0], xd[1], MARGIN.left, WIDTH - MARGIN.right);
  const y = scale(yd[0], yd[1], HEIGHT - MARGIN.bottom, MARGIN.top);
  const plot = svg("g");
  drawFrame(
    plot,
    BOX,
    { domain: xd, scale: x, ticks: 6, format: formatNumber, label: chart.x_label },
    { domain: yd, scale: y, ticks: 6, format: formatNumber, label: chart.y_label },
  );
  root.append(plot);
  const clip = `rw-ev-clip-${Math.random().toString(36).slice(2)}`;
  root.append(
    svg(
      "clipPath",
      { id: clip },
      svg("rect", {
        x: MARGIN.left,
        y: MARGIN.top,
        width: WIDTH - MARGIN.left - MARGIN.right,
        height: HEIGHT - MARGIN.top - MARGIN.bottom,
      }),
    ),
  );
  const marks = svg("g", { "clip-path": `url(#${clip})` });
  const points = svg("g");
  chart.series.forEach((series, index) => {
    const { color } = lineStyle(index);
    if (series.style === "bars") {
      series.y.forEach((count, i) => {
        const lo = series.x[i];
        const hi = series.x[i + 1];
        if (count === null || lo === null || hi === null || lo === undefined || hi === undefined)
          return;
        const bar = svg("rect", {
          class: "rw-ev-bar",
          x: x(lo) + 0.5,
          y: y(count),
          width: Math.max(1, x(hi) - x(lo) - 1),
          height: Math.max(0, y(0) - y(count)),
          fill: color,
        });
        tip.attach(bar, host, series.tips[i] ?? formatNumber(count));
        marks.append(bar);
      });
      return;
    }
    const path: string[] = [];
    series.x.forEach((xv, i) => {
      const yv = series.y[i];
      if (xv === null || yv === null || yv === undefined) return;
      path.push(`${path.length ? "L" : "M"}${x(xv).toFixed(1)},${y(yv).toFixed(1)}`);
    });
    const average = series.label.endsWith("average");
    if (series.style !== "errorbars" && path.length) {
      marks.append(
        svg("path", {
          class: series.style === "dashed" ? "rw-ev-reference" : "rw-ev-line",
          d: path.join(""),
          stroke: series.style === "dashed" ? "currentColor" : color,
          "stroke-width": average ? 2.25 : 1.5,
          "stroke-dasharray": series.style === "dashed" ? "5 4" : average ? "7 3" : "",
        }),
      );
    }
    if (series.style === "dashed") return;
    series.x.forEach((xv, i) => {
      const yv = series.y[i];
      if (xv === null || yv === null || yv === undefined) return;
      if (series.style === "errorbars") {
        const e = series.error?.[i] ?? 0;
        marks.append(
          svg("line", {
            x1: x(xv),
            x2: x(xv),
            y1: y(yv - e),
            y2: y(yv + e),
            stroke: color,
            "stroke-width": 1.5,
          }),
          svg("line", {
            x1: x(xv) - 4,
            x2: x(xv) + 4,
            y1: y(yv - e),
            y2: y(yv - e),
            stroke: color,
          }),
          svg("line", {
            x1: x(xv) - 4,
            x2: x(xv) + 4,
            y1: y(yv + e),
            y2: y(yv + e),
            stroke: color,
          }),
        );
      }
      const text = series.tips[i];
      if (text === undefined && series.style !== "errorbars") return;
      const dot = svg("circle", {
        class: series.style === "errorbars" ? "rw-ev-dot rw-ev-dot-shown" : "rw-ev-dot",
        cx: x(xv),
        cy: y(yv),
        r: series.style === "errorbars" ? 4 : 3.5,
        fill: color,
      });
      tip.attach(dot, host, `${series.label}: ${text ?? ""}`);
      points.append(dot);
    });
  });
  root.append(marks, points);
  return root;
}

function drawHeatmap(
  chart: EvaluationChart,
  normalized: boolean,
  tip: Tooltip,
  host: HTMLElement,
): SVGSVGElement {
  const heat = chart.heatmap;
  const labels = heat?.labels ?? [];
  const n = labels.length;
  const longest = Math.max(1, ...labels.map((l) => l.length));
  const left = Math.min(140, 34 + longest * 7);
  const cell = Math.max(28, Math.min(64, Math.floor(320 / Math.max(1, n))));
  const width = left + cell * n + 12;
  const height = 12 + cell * n + 44 + Math.min(60, longest * 4);
  const root = svg("svg", {
    class: "rw-ev-svg rw-ev-heatmap",
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
  });
  root.setAttribute("aria-label", chart.title);
  if (heat === null) return root;
  const top = 12;
  const max = Math.max(1e-12, ...heat.counts.flat());
  heat.counts.forEach((row, i) => {
    row.forEach((count, j) => {
      const share = heat.normalized[i]?.[j] ?? null;
      const value = normalized ? (share ?? 0) : count / max;
      const shown = normalized ? (share === null ? "–" : share.toFixed(2)) : formatNumber(count);
      const rect = svg("rect", {
        class: "rw-ev-cell",
        x: left + j * cell,
        y: top + i * cell,
        width: cell - 1,
        height: cell - 1,
        fill: cellColour(value),
      });
      const label = svg(
        "text",
        {
          class: value > 0.5 ? "rw-ev-cell-text rw-ev-cell-dark" : "rw-ev-cell-text",
          x: left + j * cell + cell / 2,
          y: top + i * cell + cell / 2 + 4,
          "text-anchor": "middle",
        },
        shown,
      );
      const text =
        `true ${labels[i] ?? ""}, predicted ${labels[j] ?? ""}: ${formatNumber(count)}` +
        (share === null ? "" : ` (${(share * 100).toFixed(2)}% of true ${labels[i] ?? ""})`);
      tip.attach(rect, host, text);
      tip.attach(label, host, text);
      root.append(rect, label);
    });
  });
  labels.forEach((label, i) => {
    root.append(
      svg(
        "text",
        {
          class: "rw-ev-tick",
          x: left - 6,
          y: top + i * cell + cell / 2 + 4,
          "text-anchor": "end",
        },
        label,
      ),
      svg(
        "text",
        {
          class: "rw-ev-tick",
          "text-anchor": "end",
          transform:
            longest > 3
              ? `translate(${left + i * cell + cell / 2 + 4} ${top + n * cell + 8}) rotate(-40)`
              : `translate(${left + i * cell + cell / 2 + 4} ${top + n * cell + 14})`,
        },
        label,
      ),
    );
  });
  root.append(
    svg(
      "text",
      { class: "rw-ev-label", x: left + (cell * n) / 2, y: height - 6, "text-anchor": "middle" },
      chart.x_label,
    ),
    svg(
      "text",
      {
        class: "rw-ev-label",
        transform: `translate(13 ${top + (cell * n) / 2}) rotate(-90)`,
        "text-anchor": "middle",
      },
      chart.y_label,
    ),
  );
  return root;
}

function legend(chart: EvaluationChart): HTMLElement | null {
  const shown = chart.series.filter((s) => s.style !== "bars");
  if (shown.length < 2) return null;
  return el(
    "div",
    "rw-ev-legend",
    ...chart.series.map((s, index) => {
      if (s.style === "bars") return null;
      const swatch = el(
        "span",
        s.style === "dashed" ? "rw-ev-swatch rw-ev-swatch-ref" : "rw-ev-swatch",
      );
      const { color } = lineStyle(index);
      if (s.label.endsWith("average")) {
        swatch.style.borderTop = `3px dashed ${color}`;
        swatch.style.height = "0";
      } else if (s.style !== "dashed") swatch.style.background = color;
      return el("span", "rw-ev-key", swatch, s.label);
    }),
  );
}

/** One chart: title, note, the drawing and its legend. */
export function renderChart(chart: EvaluationChart, normalized: boolean): HTMLElement {
  const tip = new Tooltip();
  const box = el("figure", "rw-ev-chart");
  box.dataset.chart = chart.key;
  const heading = el(
    "figcaption",
    "rw-ev-title",
    chart.title + (chart.heatmap && normalized ? " (normalised by true class)" : ""),
  );
  const drawing =
    chart.heatmap !== null ? drawHeatmap(chart, normalized, tip, box) : drawLines(chart, tip, box);
  box.append(
    heading,
    chart.note ? el("div", "rw-ev-note", chart.note) : "",
    drawing,
    legend(chart) ?? "",
    tip.el,
  );
  return box;
}

export interface EvaluationOptions {
  /** Ask for `name` drawn at `step`; the answer comes back through `update`. */
  pickStep(name: string, step: number): void;
}

/** The evaluation metrics of one run: a block each, redrawn when its state changes. */
export class EvaluationView {
  readonly el = el("div", "rw-ev");
  private readonly blocks = new Map<string, { el: HTMLElement; state: EvaluationMetric }>();
  private readonly normalized = new Map<string, boolean>();

  constructor(private readonly options: EvaluationOptions) {}

  get size(): number {
    return this.blocks.size;
  }

  update(metrics: readonly EvaluationMetric[]): void {
    for (const metric of metrics) {
      const old = this.blocks.get(metric.name);
      if (old !== undefined && old.state !== metric && same(old.state, metric)) continue;
      const block = this.render(metric);
      if (old === undefined) this.el.append(block);
      else old.el.replaceWith(block);
      this.blocks.set(metric.name, { el: block, state: metric });
    }
  }

  private render(metric: EvaluationMetric): HTMLElement {
    const block = el("div", "rw-ev-metric");
    block.dataset.metric = metric.name;
    block.dataset.step = String(metric.step);
    const normalized = this.normalized.get(metric.name) ?? false;
    const controls = el("div", "rw-ev-controls");
    if (metric.steps.length > 1) {
      const index = Math.max(0, metric.steps.indexOf(metric.step));
      const slider = el("input", "rw-ev-slider");
      slider.type = "range";
      slider.min = "0";
      slider.max = String(metric.steps.length - 1);
      slider.value = String(index);
      slider.setAttribute("aria-label", `${metric.name} step`);
      const label = el(
        "span",
        "rw-ev-step",
        `step ${metric.step} (${index + 1} of ${metric.steps.length})`,
      );
      slider.addEventListener("input", () => {
        const step = metric.steps[Number(slider.value)] ?? metric.step;
        label.textContent = `step ${step} (${Number(slider.value) + 1} of ${metric.steps.length})`;
      });
      slider.addEventListener("change", () => {
        const step = metric.steps[Number(slider.value)];
        if (step !== undefined) this.options.pickStep(metric.name, step);
      });
      controls.append(el("label", "rw-ev-stepper", slider, label));
    }
    if (metric.charts.some((c) => c.heatmap !== null)) {
      const toggle = el("label", "rw-ev-toggle");
      const box = el("input");
      box.type = "checkbox";
      box.checked = normalized;
      box.addEventListener("change", () => {
        this.normalized.set(metric.name, box.checked);
        const entry = this.blocks.get(metric.name);
        if (entry !== undefined) this.update([entry.state]);
      });
      toggle.append(box, " normalise by true class");
      controls.append(toggle);
    }
    const kind = metric.kind.replace(/_/g, " ");
    setChildren(
      block,
      el(
        "div",
        "rw-ev-head",
        el("span", "rw-lab-metric-name", metric.name),
        el("span", "rw-muted", ` ${kind}${metric.description ? ` · ${metric.description}` : ""}`),
      ),
      controls.childElementCount ? controls : null,
      el("div", "rw-ev-charts", ...metric.charts.map((chart) => renderChart(chart, normalized))),
    );
    return block;
  }
}

function same(a: EvaluationMetric, b: EvaluationMetric): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
