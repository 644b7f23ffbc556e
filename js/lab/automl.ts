/**
 * The run panel's AutoML view, for an AutoML search: the iteration table
 * (sortable, paged, the best iteration marked; a row opens its iteration), a
 * metric picker over the task's metrics, and a chart of each completed
 * iteration's value with the best-so-far line (a point opens its iteration).
 * The server decides every value (GET runs/{id}/automl); this only draws.
 */

import { el, setChildren } from "../components/dom";
import { formatDuration, formatNumber, formatTimestamp } from "../components/format";
import type { components } from "./api.generated";
import { drawFrame, svg } from "./svgFrame";

export type AutoMLState = components["schemas"]["AutoMLState"];
export type AutoMLBody = components["schemas"]["AutoMLBody"];
type Row = components["schemas"]["AutoMLRow"];

export interface AutoMLQuery {
  metric: string | undefined;
  page: number;
  sort: string;
  order: "asc" | "desc";
}

export interface AutoMLOptions {
  /** Ask for the view again with `query` (a picked metric, sort or page). */
  query(query: AutoMLQuery): void;
  open(runId: string): void;
}

const COLUMNS: readonly [string, string][] = [
  ["iteration", "Iteration"],
  ["pipeline", "Pipeline"],
  ["metric", "Iteration metric"],
  ["best", "Best metric"],
  ["status", "Status"],
  ["duration", "Duration"],
  ["started", "Started"],
];
const WIDTH = 640;
const HEIGHT = 240;
const MARGIN = { top: 14, right: 16, bottom: 36, left: 58 };
const BOX = { width: WIDTH, height: HEIGHT, margin: MARGIN };
const INSET = 8; // px between the frame and the first or last iteration

function value(v: number | null): string {
  return v === null ? "" : v.toFixed(4);
}

export class AutoMLView {
  readonly el = el("div", "rw-automl");
  query: AutoMLQuery = { metric: undefined, page: 0, sort: "iteration", order: "asc" };
  private readonly summary = el("div", "rw-automl-summary");
  private readonly picker = el("select", "rw-automl-metric");
  private readonly chart = el("figure", "rw-automl-chart");
  private readonly head = el("tr", "");
  private readonly rows = el("tbody", "");
  private readonly pager = el("div", "rw-automl-pager");

  constructor(private readonly options: AutoMLOptions) {
    // Framed as the evaluation charts are (not their class: views count those).
    Object.assign(this.chart.style, {
      margin: "0 0 8px",
      padding: "8px",
      border: "1px solid var(--jp-border-color2, #e0e0e0)",
      borderRadius: "4px",
      background: "var(--jp-layout-color0, #fff)",
      maxWidth: "900px",
    });
    this.picker.addEventListener("change", () => {
      this.ask({ metric: this.picker.value, page: 0 });
    });
    this.el.append(
      this.summary,
      el("label", "rw-automl-picker", "Metric ", this.picker),
      this.chart,
      el("table", "rw-grid rw-automl-table", el("thead", "", this.head), this.rows),
      this.pager,
    );
  }

  private ask(change: Partial<AutoMLQuery>): void {
    this.query = { ...this.query, ...change };
    this.options.query(this.query);
  }

  update(state: AutoMLState): void {
    this.query = {
      metric: state.metric,
      page: state.page,
      sort: state.sort,
      order: state.descending ? "desc" : "asc",
    };
    const best = state.best_iteration;
    this.summary.textContent =
      `${state.task} · primary metric ${state.primary_metric} · ${state.total} iterations` +
      (best === null
        ? ""
        : ` · best: iteration ${best} (${value(state.best_value)} ${state.metric})`);
    setChildren(
      this.picker,
      ...state.metrics.map((name) => {
        const option = el("option", "", name);
        option.value = name;
        option.selected = name === state.metric;
        return option;
      }),
    );
    this.drawChart(state);
    this.drawTable(state);
  }

  private drawTable(state: AutoMLState): void {
    setChildren(
      this.head,
      ...COLUMNS.map(([key, label]) => {
        const arrow = key === state.sort ? (state.descending ? " ▼" : " ▲") : "";
        const th = el("th", "rw-automl-sort", label + arrow);
        th.dataset.key = key;
        th.title = `Sort by ${label}`;
        th.style.cursor = "pointer";
        th.addEventListener("click", () => {
          const descending = key === state.sort ? !state.descending : key !== "iteration";
          this.ask({ sort: key, order: descending ? "desc" : "asc", page: 0 });
        });
        return th;
      }),
    );
    setChildren(this.rows, ...state.rows.map((row) => this.row(row)));
    const pages = Math.max(1, Math.ceil(state.total / state.page_size));
    const previous = el("button", "rw-button", "‹ previous");
    const next = el("button", "rw-button", "next ›");
    previous.disabled = state.page === 0;
    next.disabled = state.page >= pages - 1;
    previous.addEventListener("click", () => {
      this.ask({ page: state.page - 1 });
    });
    next.addEventListener("click", () => {
      this.ask({ page: state.page + 1 });
    });
    setChildren(this.pager, previous, ` page ${state.page + 1} of ${pages} `, next);
  }

  private row(row: Row): HTMLTableRowElement {
    const tr = el(
      "tr",
      row.is_best ? "rw-automl-row rw-automl-best" : "rw-automl-row",
      el("td", "rw-num", `${row.iteration}${row.is_best ? " ★" : ""}`),
      el("td", "", row.pipeline),
      el("td", "rw-num", value(row.metric)),
      el("td", "rw-num", value(row.best)),
      el("td", "", row.status),
      el("td", "rw-num", formatDuration(row.duration)),
      el("td", "", formatTimestamp(row.started)),
    );
    tr.dataset.runId = row.run_id;
    tr.title = `Open iteration ${row.iteration} (${row.run_id})`;
    tr.style.cursor = "pointer";
    if (row.is_best) {
      tr.style.fontWeight = "600";
      tr.style.background = "var(--jp-brand-color3, #e3f2fd)";
    }
    tr.addEventListener("click", () => {
      this.options.open(row.run_id);
    });
    return tr;
  }

  private drawChart(state: AutoMLState): void {
    const { iterations, values, best, run_ids: ids } = state.chart;
    const title = el("figcaption", "rw-ev-title", `${state.metric} per iteration`);
    if (iterations.length === 0) {
      setChildren(this.chart, title, el("div", "rw-ev-note", "no completed iteration yet"));
      return;
    }
    const xs: [number, number] = [Math.min(...iterations), Math.max(...iterations, 1)];
    let lo = Math.min(...values);
    let hi = Math.max(...values);
    if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
    const pad = (hi - lo) * 0.05;
    const ys: [number, number] = [lo - pad, hi + pad];
    // The first and last iterations sit a dot's width inside the frame, not on it.
    const [left, right] = [MARGIN.left + INSET, WIDTH - MARGIN.right - INSET];
    const [top, bottom] = [MARGIN.top, HEIGHT - MARGIN.bottom];
    const x = (v: number): number => left + ((v - xs[0]) / (xs[1] - xs[0] || 1)) * (right - left);
    const y = (v: number): number => bottom - ((v - ys[0]) / (ys[1] - ys[0])) * (bottom - top);
    const plot = svg("svg", {
      class: "rw-ev-svg",
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: "img",
      "aria-label": `${state.metric} per iteration`,
    });
    drawFrame(
      plot,
      BOX,
      { domain: xs, scale: x, ticks: 8, integer: true, format: String, label: "iteration" },
      { domain: ys, scale: y, ticks: 5, format: formatNumber },
    );
    const points = iterations.map((it, i) => ({
      it,
      value: values[i] ?? 0,
      best: best[i] ?? 0,
      id: ids[i] ?? "",
    }));
    let path = "";
    points.forEach((p, i) => {
      path += i === 0 ? `M${x(p.it)},${y(p.best)}` : `H${x(p.it)}V${y(p.best)}`;
    });
    plot.append(
      svg("path", {
        class: "rw-automl-best-line",
        d: path,
        fill: "none",
        stroke: "var(--jp-warn-color1, #f57c00)",
        "stroke-width": 2,
      }),
    );
    for (const p of points) {
      const dot = svg(
        "circle",
        {
          class: "rw-automl-point",
          cx: x(p.it),
          cy: y(p.value),
          r: 4,
          fill: "var(--jp-brand-color1, #1976d2)",
        },
        svg("title", {}, `iteration ${p.it}: ${value(p.value)} (best so far ${value(p.best)})`),
      );
      dot.style.cursor = "pointer";
      dot.addEventListener("click", () => {
        this.options.open(p.id);
      });
      plot.append(dot);
    }
    const legend = el(
      "div",
      "rw-ev-note",
      "● iteration value   — best so far (click a point to open its iteration)",
    );
    setChildren(this.chart, title, plot, legend);
  }
}
