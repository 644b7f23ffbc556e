/**
 * The dashboard's chart builder: pick an X and a Y among the numeric columns
 * for a scatter across every filtered run, and a metric to overlay the series
 * of the runs picked in the table. Each chart is one request, refreshed with
 * `since` so an unchanged poll costs the server one indexed read.
 */

import { button, el, setChildren } from "../components/dom";
import { requestAPI } from "./api";
import type { ColumnInfo, OverlayBody, ScatterBody } from "./api";
import { extent } from "./chartFrame";
import { overlayChart, scatterChart } from "./charts";
import type { ChartSize, Goal } from "./charts";
import type { PickedRun } from "./runsTable";
import { scopeQuery, tablePath } from "./tablePages";
import type { Scope, TableQuery } from "./tablePages";

export const MAX_OVERLAY = 50;
const OVERLAY_BUDGET = 500;
/** Metric names where more is better; every other metric is taken as a loss. */
const HIGHER_IS_BETTER = /acc|auc|f1|precision|recall|r2|score|reward|iou|map|bleu/i;

export interface ChartBuilderOptions {
  scope: Scope;
  filter(): Pick<TableQuery, "q" | "statuses">;
  picked(): PickedRun[];
  openRun(id: string): void;
}

/** A sweep's primary metric: the default Y of its trials' scatter. */
export interface PrimaryMetric {
  name: string;
  goal: Goal;
}

export class ChartBuilder {
  readonly el: HTMLElement;
  private columns: ColumnInfo[] = [];
  private readonly xSelect = select("rw-db-x", "X axis");
  private readonly ySelect = select("rw-db-y", "Y axis");
  private readonly goalSelect = select("rw-db-goal", "Which point is best");
  private readonly logX = toggle("log x");
  private readonly logY = toggle("log y");
  private readonly metricSelect = select("rw-db-overlay-metric", "Metric to overlay");
  private readonly overlayLogY = toggle("log y");
  private readonly scatterSlot = el("div", "rw-db-chart-slot");
  private readonly overlaySlot = el("div", "rw-db-chart-slot");
  private readonly message = el("div", "rw-sb-message");
  private scatter: { body: ScatterBody; key: string } | null = null;
  private overlay: { body: OverlayBody; key: string } | null = null;
  private goalChosen = false;
  /** The user set the log-x box: stop choosing it from the data. */
  private logXChosen = false;
  private primary: PrimaryMetric | null = null;

  constructor(private readonly options: ChartBuilderOptions) {
    for (const [value, label] of [
      ["min", "best: lowest Y"],
      ["max", "best: highest Y"],
    ] as const) {
      const option = el("option", "", label);
      option.value = value;
      this.goalSelect.append(option);
    }
    const reload = (): void => {
      void this.refresh();
    };
    this.xSelect.addEventListener("change", reload);
    this.ySelect.addEventListener("change", () => {
      if (!this.goalChosen) this.goalSelect.value = goalOf(this.ySelect.value, this.primary);
      reload();
    });
    this.goalSelect.addEventListener("change", () => {
      this.goalChosen = true;
      this.redraw();
    });
    this.metricSelect.addEventListener("change", reload);
    this.logX.input.addEventListener("change", () => {
      this.logXChosen = true;
    });
    for (const box of [this.logX, this.logY, this.overlayLogY]) {
      box.input.addEventListener("change", () => {
        this.redraw();
      });
    }
    const swap = button("rw-button rw-db-swap", "⇄", () => {
      const x = this.xSelect.value;
      this.xSelect.value = this.ySelect.value;
      this.ySelect.value = x;
      reload();
    });
    swap.title = "Swap the axes";
    this.message.hidden = true;
    this.el = el(
      "div",
      "rw-db-charts",
      this.message,
      el(
        "section",
        "rw-db-card",
        el("h3", "rw-lab-section-title", "Across runs"),
        el(
          "div",
          "rw-db-controls",
          label("X", this.xSelect),
          swap,
          label("Y", this.ySelect),
          this.goalSelect,
          this.logX.el,
          this.logY.el,
        ),
        this.scatterSlot,
      ),
      el(
        "section",
        "rw-db-card",
        el("h3", "rw-lab-section-title", "Series of the selected runs"),
        el("div", "rw-db-controls", label("Metric", this.metricSelect), this.overlayLogY.el),
        this.overlaySlot,
      ),
    );
  }

  /** A sweep's primary metric becomes the default Y and decides the best point. */
  setPrimary(primary: PrimaryMetric | null): void {
    this.primary = primary;
    if (primary !== null && !this.goalChosen) this.goalSelect.value = primary.goal;
  }

  /** The table's columns changed: offer the numeric ones; keep the choices that still exist. */
  setColumns(columns: readonly ColumnInfo[]): void {
    const numeric = columns.filter((c) => c.numeric);
    const metrics = columns.filter((c) => c.group === "metric");
    const wanted = JSON.stringify([numeric, metrics.map((c) => c.key)]);
    if (wanted === JSON.stringify([this.columns.filter((c) => c.numeric), this.metricKeys()]))
      return;
    this.columns = [...columns];
    const x = this.xSelect.value;
    const y = this.ySelect.value;
    const metric = this.metricSelect.value;
    fill(this.xSelect, numeric);
    fill(this.ySelect, numeric);
    fill(this.metricSelect, metrics);
    const has = (key: string, among: readonly ColumnInfo[]): boolean =>
      among.some((c) => c.key === key);
    const primaryKey = this.primary === null ? "" : `metric:${this.primary.name}`;
    const firstMetric = numeric.find((c) => c.group === "metric")?.key ?? "";
    let yKey = has(y, numeric) ? y : has(primaryKey, numeric) ? primaryKey : firstMetric;
    const xKey = has(x, numeric)
      ? x
      : (numeric.find((c) => c.group === "property" && c.key !== yKey)?.key ??
        numeric.find((c) => c.group === "tag" && c.key !== yKey)?.key ??
        "number");
    // No metric logged: plot another run column (duration against run number).
    if (yKey === "") yKey = numeric.find((c) => c.key !== xKey)?.key ?? "";
    this.xSelect.value = xKey;
    this.ySelect.value = yKey;
    this.metricSelect.value = has(metric, metrics)
      ? metric
      : has(primaryKey, metrics)
        ? primaryKey
        : (metrics[0]?.key ?? "");
    if (!this.goalChosen) this.goalSelect.value = goalOf(yKey, this.primary);
  }

  /** Ask for both charts' data (with `since` unless `force`), then draw what changed. */
  async refresh(force = false): Promise<void> {
    try {
      await Promise.all([this.loadScatter(force), this.loadOverlay(force)]);
      this.message.hidden = true;
    } catch (error) {
      this.message.hidden = false;
      this.message.textContent = error instanceof Error ? error.message : String(error);
    }
  }

  /** Draw again from what was loaded (a new size, a log axis, another goal). */
  redraw(): void {
    const size = this.size();
    if (this.scatter !== null) {
      const view = scatterChart(
        this.scatter.body,
        {
          goal: this.goalSelect.value === "max" ? "max" : "min",
          logX: this.logX.input.checked,
          logY: this.logY.input.checked,
          size,
        },
        (id) => {
          this.options.openRun(id);
        },
      );
      setChildren(this.scatterSlot, view.el);
    }
    const picked = this.options.picked();
    if (picked.length === 0) {
      setChildren(
        this.overlaySlot,
        el(
          "div",
          "rw-db-chart-note",
          `Tick runs in the table (up to ${MAX_OVERLAY}) to overlay their series of the chosen metric.`,
        ),
      );
    } else if (this.metricSelect.value === "") {
      setChildren(this.overlaySlot, el("div", "rw-db-chart-note", "These runs logged no metrics."));
    } else if (this.overlay !== null) {
      const chart = overlayChart(
        this.overlay.body.metric,
        this.overlay.body.series,
        { logY: this.overlayLogY.input.checked, size },
        (id) => {
          this.options.openRun(id);
        },
      );
      const more = picked.length - MAX_OVERLAY;
      setChildren(
        this.overlaySlot,
        more > 0
          ? el("div", "rw-db-chart-note", `The first ${MAX_OVERLAY} picked runs are shown.`)
          : null,
        chart,
      );
    }
  }

  private metricKeys(): string[] {
    return this.columns.filter((c) => c.group === "metric").map((c) => c.key);
  }

  private size(): ChartSize {
    const width = this.scatterSlot.clientWidth;
    return { width: width > 200 ? Math.min(width, 900) : 560, height: 320 };
  }

  private async loadScatter(force: boolean): Promise<void> {
    const x = this.xSelect.value;
    const y = this.ySelect.value;
    if (x === "" || y === "") {
      this.scatter = null;
      setChildren(this.scatterSlot, el("div", "rw-db-chart-note", "No numeric columns yet."));
      return;
    }
    const base = { ...scopeQuery(this.options.scope, this.options.filter()), x, y };
    const key = JSON.stringify(base);
    const since = !force && this.scatter?.key === key ? this.scatter.body.cursor : undefined;
    const body = await requestAPI<ScatterBody>(tablePath(this.options.scope, "scatter"), {
      ...base,
      since,
    });
    if (body.unchanged) return;
    if (!this.logXChosen && this.scatter?.key !== key) this.logX.input.checked = spansDecades(body);
    this.scatter = { body, key };
    this.redraw();
  }

  private async loadOverlay(force: boolean): Promise<void> {
    const key = this.metricSelect.value;
    const runs = this.options.picked().slice(0, MAX_OVERLAY);
    if (!key.startsWith("metric:") || runs.length === 0) {
      this.overlay = null;
      this.redraw();
      return;
    }
    // The runs are named one by one: the overlay route takes no scope.
    const base = {
      metric: key.slice("metric:".length),
      run: runs.map((r) => r.id),
      budget: OVERLAY_BUDGET,
    };
    const signature = JSON.stringify(base);
    const since = !force && this.overlay?.key === signature ? this.overlay.body.cursor : undefined;
    const body = await requestAPI<OverlayBody>(tablePath(this.options.scope, "overlay"), {
      ...base,
      since,
    });
    if (body.unchanged) return;
    this.overlay = { body, key: signature };
    this.redraw();
  }
}

/** X values all positive and three or more decades apart (a sweep's log-uniform alpha). */
function spansDecades(body: ScatterBody): boolean {
  const xs = body.points.map((p) => p.x).filter((x): x is number => x !== null);
  const range = extent(xs);
  if (xs.length < 3 || range === null || range[0] <= 0) return false;
  return range[1] / range[0] >= 1000;
}

/** Whether the lowest or the highest value of column `key` is the best one. */
export function goalOf(key: string, primary: PrimaryMetric | null): Goal {
  if (primary !== null && key === `metric:${primary.name}`) return primary.goal;
  return HIGHER_IS_BETTER.test(key.replace(/^metric:/, "")) ? "max" : "min";
}

function select(className: string, title: string): HTMLSelectElement {
  const node = el("select", `rw-db-select ${className}`);
  node.title = title;
  node.setAttribute("aria-label", title);
  return node;
}

function fill(node: HTMLSelectElement, columns: readonly ColumnInfo[]): void {
  setChildren(
    node,
    ...columns.map((column) => {
      // Tags, properties and metrics may share a name: say which one this is.
      const text = column.group === "run" ? column.label : `${column.group}: ${column.label}`;
      const option = el("option", "", text);
      option.value = column.key;
      option.title = column.key;
      return option;
    }),
  );
}

function label(text: string, control: HTMLElement): HTMLElement {
  return el("label", "rw-db-label", el("span", "", text), control);
}

function toggle(text: string): { el: HTMLElement; input: HTMLInputElement } {
  const input = el("input", "");
  input.type = "checkbox";
  return { el: el("label", "rw-db-toggle", input, text), input };
}
