/**
 * The dashboard's chart builder: pick an X and a Y among the numeric columns
 * for a scatter across every filtered run, and a metric to overlay the series
 * of the runs picked in the table. Each chart is one request, refreshed with
 * `since` so an unchanged poll costs the server one indexed read. Which run is
 * best comes with the scatter's answer (the sweep's goal, or the goal picked
 * here and sent along); nothing here judges a metric by its name.
 */

import { button, el, setChildren } from "../components/dom";
import { requestAPI } from "./api";
import type { ColumnInfo, Goal, OverlayBody, ScatterBody } from "./api";
import { spansDecades } from "./chartData";
import { overlayChart } from "./overlayChart";
import { scatterChart } from "./scatterChart";
import type { ChartSize, ChartView } from "./plot";
import { scopeQuery, tablePath } from "./tablePages";
import type { Scope, TableQuery } from "./tablePages";

export const MAX_OVERLAY = 50;
const OVERLAY_BUDGET = 500;

export interface ChartBuilderOptions {
  scope: Scope;
  filter(): Pick<TableQuery, "q" | "statuses">;
  /** The ids of the runs ticked in the table, in the order they were ticked. */
  picked(): string[];
  openRun(id: string): void;
}

export class ChartBuilder {
  readonly el: HTMLElement;
  private columns: ColumnInfo[] = [];
  private readonly xSelect = select("rw-db-x", "X axis");
  private readonly ySelect = select("rw-db-y", "Y axis");
  private readonly goalSelect = select("rw-db-goal", "Which Y is best");
  private readonly logX = toggle("log x");
  private readonly logY = toggle("log y");
  private readonly metricSelect = select("rw-db-overlay-metric", "Metric to overlay");
  private readonly overlayLogY = toggle("log y");
  private readonly scatterSlot = el("div", "rw-db-chart-slot");
  private readonly overlaySlot = el("div", "rw-db-chart-slot");
  private readonly message = el("div", "rw-sb-message");
  private scatter: { body: ScatterBody; key: string } | null = null;
  private overlay: { body: OverlayBody; key: string } | null = null;
  private readonly views: { scatter: ChartView | null; overlay: ChartView | null } = {
    scatter: null,
    overlay: null,
  };
  /** The goal picked here for a Y column (sent as `goal`; the sweep's goal wins for its metric). */
  private readonly goals = new Map<string, Goal>();
  /** The user set the log-x box: stop choosing it from the data. */
  private logXChosen = false;
  private primary: string | null = null;

  constructor(private readonly options: ChartBuilderOptions) {
    for (const [value, label] of [
      ["", "no goal: pick one"],
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
    this.ySelect.addEventListener("change", reload);
    this.goalSelect.addEventListener("change", () => {
      const goal = this.goalSelect.value;
      if (goal === "min" || goal === "max") this.goals.set(this.ySelect.value, goal);
      else this.goals.delete(this.ySelect.value);
      reload();
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

  /** A sweep's primary metric (its name) becomes the default Y. */
  setPrimary(metric: string | null): void {
    this.primary = metric;
  }

  /** Remove the charts (and their listeners). */
  dispose(): void {
    this.views.scatter?.destroy();
    this.views.overlay?.destroy();
    this.views.scatter = this.views.overlay = null;
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
    // The overlay draws each run's whole series, not the one value a table column shows.
    fill(
      this.metricSelect,
      metrics.map((c) => ({ ...c, label: c.key.slice("metric:".length) })),
    );
    const has = (key: string, among: readonly ColumnInfo[]): boolean =>
      among.some((c) => c.key === key);
    const primaryKey = this.primary === null ? "" : `metric:${this.primary}`;
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

  /** Draw again from what was loaded (a new size, a log axis). */
  redraw(): void {
    const size = this.size();
    if (this.scatter !== null) {
      const body = this.scatter.body;
      this.showGoal(body);
      const view = scatterChart(
        body,
        { logX: this.logX.input.checked, logY: this.logY.input.checked, size },
        (id) => {
          this.options.openRun(id);
        },
      );
      this.show("scatter", this.scatterSlot, view);
    }
    const picked = this.options.picked();
    if (picked.length === 0) {
      this.show(
        "overlay",
        this.overlaySlot,
        note(
          `Tick runs in the table (up to ${MAX_OVERLAY}) to overlay their series of the chosen metric.`,
        ),
      );
    } else if (this.metricSelect.value === "") {
      this.show("overlay", this.overlaySlot, note("No data: these runs logged no metrics."));
    } else if (this.overlay !== null) {
      const chart = overlayChart(this.overlay.body.metric, this.overlay.body.series, {
        logY: this.overlayLogY.input.checked,
        size,
      });
      const more = picked.length - MAX_OVERLAY;
      if (more > 0)
        chart.el.prepend(
          el("div", "rw-db-chart-note", `The first ${MAX_OVERLAY} picked runs are shown.`),
        );
      this.show("overlay", this.overlaySlot, chart);
    }
  }

  /** Put `view` in `slot` in place of the chart there (destroyed). */
  private show(which: "scatter" | "overlay", slot: HTMLElement, view: ChartView): void {
    this.views[which]?.destroy();
    this.views[which] = view;
    setChildren(slot, view.el);
  }

  /** The goal select says what the answer's goal is, and who set it. */
  private showGoal(body: ScatterBody): void {
    const sweep = body.goal_source === "sweep";
    this.goalSelect.value = body.goal ?? "";
    this.goalSelect.disabled = sweep;
    this.goalSelect.title = sweep
      ? `The sweep's goal for its primary metric ${body.y.label}`
      : body.goal === null
        ? `No goal is known for ${body.y.label}: pick whether its lowest or highest value is best`
        : "Which Y is best (your pick)";
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
      this.show("scatter", this.scatterSlot, note("No numeric columns yet."));
      return;
    }
    const base = {
      ...scopeQuery(this.options.scope, this.options.filter()),
      x,
      y,
      goal: this.goals.get(y),
    };
    const key = JSON.stringify(base);
    const since = !force && this.scatter?.key === key ? this.scatter.body.cursor : undefined;
    const body = await requestAPI<ScatterBody>(tablePath(this.options.scope, "scatter"), {
      ...base,
      since,
    });
    if (body.unchanged) return;
    if (!this.logXChosen && this.scatter?.key !== key)
      // Run numbers and times read best on a linear axis, however many decades they span.
      this.logX.input.checked =
        !["number", "created_time"].includes(x) && spansDecades(body.points.map((p) => p.x));
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
      run: runs,
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

function note(text: string): ChartView {
  return { el: el("div", "rw-db-chart-note", text), destroy: () => undefined };
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
