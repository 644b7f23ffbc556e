/**
 * The details of one run in the main area: header, properties and tags,
 * metric summaries with sparklines, child runs, files, and the log tail. It
 * polls while the run is active and the panel is visible, asking only for
 * what changed (metrics `since` the last cursor, log bytes after the offset).
 */

import { Widget } from "@lumino/widgets";
import type { Message } from "@lumino/messaging";
import { createChildTable } from "../components/childTable";
import type { ChildTable } from "../components/childTable";
import { button, el, saveBlob } from "../components/dom";
import { createKvTable } from "../components/kvTable";
import { durationOf, formatCell } from "../components/format";
import { createLogView } from "../components/logView";
import { isFinalStatus } from "../components/statusBadge";
import type { ChildRow, ChildrenQuery } from "../wire";
import { apiUrl, request, requestAPI, segment } from "./api";
import type {
  EvaluationBody,
  LogBody,
  MetricsBody,
  RunDetailsBody,
  RunPage,
  RunRow,
  RowChartBody,
  RunsTable,
  SeriesBody,
  TableRow,
} from "./api";
import { AutoMLLoader } from "./automlLoader";
import { createHeader, renderFiles, renderMetrics, section } from "./detailsParts";
import { EvaluationView } from "./evaluation";
import { LiveRefresh } from "./liveRefresh";
import { Sparklines } from "./sparkline";

const CHILD_PAGE = 20;
const MAX_LOG_LINES = 5000;
const LOG_CHUNK = 65536;
/** Child-table sort keys as the REST API names them. */
const SORTS: Readonly<Record<string, string>> = { start_time: "created" };

export interface NotebookTarget {
  /** Why inserting is impossible now, or null when a notebook is active. */
  blocked(): string | null;
  insert(code: string): void;
}

export interface RunPanelOptions {
  runId: string;
  interval: () => number;
  openRun(id: string): void;
  /** Open the dashboard comparing the children of `parent` (a sweep's trials). */
  openDashboard(experiment: string, parent: string): void;
  notebook: NotebookTarget;
}

export class RunPanel extends Widget {
  readonly runId: string;
  private body: RunDetailsBody | undefined;

  /** The shown run, once loaded. */
  get run(): RunRow | undefined {
    return this.body?.run;
  }
  private readonly header;
  private readonly insertButton: HTMLButtonElement;
  private readonly compareButton: HTMLButtonElement;
  private readonly kv = createKvTable(["Properties", "Tags"]);
  private readonly metricRows = el("tbody", "");
  private readonly series = new Map<string, SeriesBody>();
  /** Rows and tables with numeric columns, charted as RunDetails charts them. */
  private readonly rowCharts = new Map<string, RowChartBody>();
  private readonly sparklines = new Sparklines();
  private metricsCursor = 0;
  /** Confusion matrices, accuracy tables, residuals, predictions: their charts. */
  private readonly evaluation = new EvaluationView({
    pickStep: (name, step) => {
      this.pickStep(name, step).catch((error: unknown) => {
        this.showError(error);
      });
    },
  });
  private evaluationCursor = 0;
  /** An AutoML search: its iteration table and chart (automl.ts), kept current. */
  private readonly automl: AutoMLLoader;
  /** Steps picked with a slider; other evaluation metrics show their last step. */
  private readonly evaluationSteps = new Map<string, number>();
  private readonly childTable: ChildTable;
  private childQuery: ChildrenQuery = { page: 0, sort_key: "number", descending: false };
  private childMetric = "";
  private readonly fileRows = el("tbody", "");
  private readonly log = createLogView();
  private log_ = { name: "", offset: 0, lines: [] as string[], truncated: false };
  private readonly sections: Record<
    "automl" | "metrics" | "evaluation" | "children" | "files" | "log",
    HTMLElement
  >;
  private readonly status = el("div", "rw-sb-message");
  /** Polls while the run is active and the panel visible. */
  private readonly live = new LiveRefresh(this, {
    poll: () => this.load(),
    interval: () => this.options.interval(),
    tick: () => {
      this.header.tick();
    },
    while: () => this.active,
  });

  constructor(private readonly options: RunPanelOptions) {
    super();
    this.runId = options.runId;
    this.id = `runwatch-run-${options.runId}`;
    this.addClass("rw-lab");
    this.addClass("rw-lab-details");
    this.node.dataset.lmSuppressShortcuts = "true";
    this.node.dataset.runId = options.runId;
    this.title.label = `Run ${options.runId}`;
    this.title.caption = options.runId;
    this.title.closable = true;
    this.automl = new AutoMLLoader({
      runId: options.runId,
      open: (id) => {
        options.openRun(id);
      },
      failed: (error) => {
        this.showError(error);
      },
    });

    this.insertButton = button("rw-button rw-lab-insert", "Insert RunDetails", () => {
      if (this.body !== undefined) options.notebook.insert(this.body.snippet);
    });
    this.compareButton = button("rw-button rw-lab-compare", "Compare trials", () => {
      const run = this.body?.run;
      if (run !== undefined) options.openDashboard(run.experiment, run.id);
    });
    this.compareButton.title = "Open the child runs side by side, with charts across them";
    this.compareButton.hidden = true;
    const refresh = button("rw-button", "↻", () => {
      void this.refresh();
    });
    refresh.title = "Refresh now";
    this.header = createHeader(
      el("span", "rw-lab-actions", this.compareButton, this.insertButton, refresh),
    );

    this.childTable = createChildTable({
      query: (query) => {
        this.childQuery = query;
        this.loadChildren().catch((error: unknown) => {
          this.showError(error);
        });
      },
      open: (id) => {
        options.openRun(id);
      },
      compare: () => {
        this.compareButton.click();
      },
    });
    const grid = (body: HTMLTableSectionElement, ...heads: string[]): HTMLTableElement =>
      el(
        "table",
        "rw-grid",
        el("thead", "", el("tr", "", ...heads.map((h) => el("th", "", h)))),
        body,
      );
    this.sections = {
      automl: section("AutoML", this.automl.el),
      metrics: section(
        "Metrics",
        grid(this.metricRows, "Name", "Kind", "Count", "Last value", "Chart"),
      ),
      evaluation: section("Model evaluation", this.evaluation.el),
      children: section("Child runs", this.childTable.el),
      files: section("Files", grid(this.fileRows, "Name", "Size", "Uploaded")),
      log: section("Log", this.log.el),
    };
    for (const part of Object.values(this.sections)) part.hidden = true;
    this.node.append(
      this.header.el,
      this.status,
      this.kv.el,
      this.sections.automl,
      this.sections.metrics,
      this.sections.evaluation,
      this.sections.children,
      this.sections.files,
      this.sections.log,
    );
    this.status.hidden = true;
    this.updateInsert();
  }

  /** Re-check whether a notebook is there to insert into. */
  updateInsert(): void {
    const blocked = this.options.notebook.blocked();
    this.insertButton.disabled = blocked !== null || this.body === undefined;
    this.insertButton.title =
      blocked ?? "Insert a cell showing this run's RunDetails below the active cell";
  }

  /** Load everything that changed; concurrent calls share one load. */
  refresh(): Promise<void> {
    return this.live.refresh();
  }

  // A panel added visible gets after-attach only; one brought back to the front, after-show.
  override processMessage(msg: Message): void {
    super.processMessage(msg);
    this.live.follow(msg);
  }

  override dispose(): void {
    this.live.stop();
    this.log.dispose();
    this.sparklines.dispose();
    super.dispose();
  }

  private get active(): boolean {
    return this.body !== undefined && !isFinalStatus(this.body.run.status);
  }

  private async load(): Promise<void> {
    const base = `runs/${segment(this.runId)}`;
    let body: RunDetailsBody;
    try {
      body = await requestAPI<RunDetailsBody>(base);
    } catch (error) {
      this.showError(error);
      return;
    }
    this.status.hidden = true;
    this.body = body;
    const run = body.run;
    const label = body.trial_label ?? `Run ${run.number}`;
    this.title.label = `${run.display_name ?? label} · ${run.experiment}`;
    this.title.caption = `${run.experiment} · ${body.trial_label ?? `run ${run.number}`} · ${run.id} · ${run.status}`;
    this.header.update(body);
    this.compareButton.hidden = run.child_count === 0;
    this.kv.setSection(
      "Properties",
      Object.entries(body.properties).map(([key, value]) => ({
        key,
        value: formatCell(value),
        muted: value === null,
      })),
    );
    this.kv.setSection(
      "Tags",
      Object.entries(run.tags).map(([key, value]) => ({ key, value, muted: value === "" })),
    );
    renderFiles(
      this.fileRows,
      body.files,
      (name) => apiUrl(`${base}/files/${filePath(name)}`),
      (name) => {
        this.download(name).catch((error: unknown) => {
          this.showError(error);
        });
      },
    );
    this.sections.files.hidden = body.files.length === 0;
    this.updateInsert();
    const parts = await Promise.allSettled([
      this.loadMetrics(),
      this.loadEvaluation(),
      this.loadAutoML(),
      this.loadLog(),
      this.loadChildren(),
    ]);
    const failed = parts.find((p): p is PromiseRejectedResult => p.status === "rejected");
    if (failed !== undefined) this.showError(failed.reason);
  }

  private showError(error: unknown): void {
    this.status.hidden = false;
    this.status.textContent = error instanceof Error ? error.message : String(error);
  }

  private async loadMetrics(): Promise<void> {
    if (this.body === undefined) return;
    const body = await requestAPI<MetricsBody>(`runs/${segment(this.runId)}/metrics`, {
      since: this.metricsCursor,
      budget: 200,
    });
    if (!body.unchanged) {
      for (const series of body.series) this.series.set(series.name, series);
      for (const chart of body.rows) this.rowCharts.set(chart.name, chart);
      this.metricsCursor = body.cursor;
    }
    renderMetrics(this.metricRows, this.body.metrics, this.series, this.rowCharts, this.sparklines);
    this.sections.metrics.hidden = this.body.metrics.length === 0;
  }

  private async loadEvaluation(): Promise<void> {
    if (this.body === undefined) return;
    const path = `runs/${segment(this.runId)}/evaluation`;
    const body = await requestAPI<EvaluationBody>(path, { since: this.evaluationCursor });
    if (body.unchanged) return;
    this.evaluationCursor = body.cursor;
    const latest = body.metrics.filter((m) => !this.evaluationSteps.has(m.name));
    this.evaluation.update(latest);
    for (const metric of body.metrics) {
      const step = this.evaluationSteps.get(metric.name);
      if (step !== undefined) await this.pickStep(metric.name, step);
    }
    this.sections.evaluation.hidden = this.evaluation.size === 0;
  }

  /** The AutoML view of a search, if it changed since the last load. */
  private async loadAutoML(): Promise<void> {
    if (this.body?.run.type !== "automl") return;
    if (await this.automl.load()) this.sections.automl.hidden = false;
  }

  /** Draw `name` at `step` (its last step: follow new points again). */
  private async pickStep(name: string, step: number): Promise<void> {
    const body = await requestAPI<EvaluationBody>(`runs/${segment(this.runId)}/evaluation`, {
      name: [name],
      step,
    });
    const metric = body.metrics[0];
    if (metric === undefined) return;
    if (step === metric.steps[metric.steps.length - 1]) this.evaluationSteps.delete(name);
    else this.evaluationSteps.set(name, step);
    this.evaluation.update([metric]);
  }

  private async loadLog(): Promise<void> {
    const name = this.body?.log_files[0];
    if (name === undefined) return;
    const state = this.log_;
    if (state.name !== name) Object.assign(state, { name, offset: 0, lines: [], truncated: false });
    const path = `runs/${segment(this.runId)}/log`;
    let body = await requestAPI<LogBody>(path, {
      name,
      offset: state.offset,
      max_bytes: LOG_CHUNK,
    });
    if (state.offset === 0 && body.next_offset < body.size) {
      // A long log: show its tail, not its head.
      const from = Math.max(0, body.size - LOG_CHUNK);
      body = await requestAPI<LogBody>(path, { name, offset: from, max_bytes: LOG_CHUNK });
      state.truncated = true;
      body = { ...body, text: body.text.slice(body.text.indexOf("\n") + 1) };
    }
    state.offset = body.next_offset;
    const lines = body.text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    state.lines = [...state.lines, ...lines];
    if (state.lines.length > MAX_LOG_LINES) {
      state.lines = state.lines.slice(-MAX_LOG_LINES);
      state.truncated = true;
    }
    this.log.update({ name, lines: state.lines, truncated: state.truncated });
    this.sections.log.hidden = false;
  }

  private async loadChildren(): Promise<void> {
    const run = this.body?.run;
    if (run === undefined || run.child_count === 0) return;
    const primary = this.body?.properties.primary_metric_name;
    const goal = this.body?.properties.primary_metric_goal;
    if (typeof primary === "string" && (goal === "MINIMIZE" || goal === "MAXIMIZE")) {
      await this.loadTrials(run, primary, goal);
      return;
    }
    const query = this.childQuery;
    const ask = (metric: string): Promise<RunPage> =>
      requestAPI<RunPage>(`runs/${segment(this.runId)}/children`, {
        offset: query.page * CHILD_PAGE,
        limit: CHILD_PAGE,
        sort: SORTS[query.sort_key] ?? query.sort_key,
        order: query.descending ? "desc" : "asc",
        metric: metric === "" ? undefined : metric,
      });
    let page = await ask(this.childMetric);
    const first = page.metric_names[0];
    if (this.childMetric === "" && first !== undefined) {
      this.childMetric = first;
      page = await ask(first);
    }
    this.childTable.update({
      total: page.total,
      counts: page.status_counts,
      columns: [],
      metric: this.childMetric === "" ? null : this.childMetric,
      metric_label: null,
      goal: null,
      best: null,
      page: query.page,
      page_size: CHILD_PAGE,
      sort_key: query.sort_key,
      descending: query.descending,
      rows: page.runs.map(childRow),
    });
    this.sections.children.hidden = false;
  }

  /**
   * A sweep's trials from the dashboard's table (the same read model): each trial's
   * primary metric is its best logged value, the parameters are columns, and the
   * best trial is the first row when sorted by that value.
   */
  private async loadTrials(
    run: RunRow,
    metric: string,
    goal: "MINIMIZE" | "MAXIMIZE",
  ): Promise<void> {
    const query = this.childQuery;
    const metricKey = `metric:${metric}`;
    const key = (sortKey: string): string =>
      sortKey === "metric"
        ? metricKey
        : sortKey.startsWith("param:")
          ? `property:param.${sortKey.slice(6)}`
          : (TRIAL_SORTS[sortKey] ?? sortKey);
    const path = `experiments/${segment(run.experiment)}/table`;
    const [page, top] = await Promise.all([
      requestAPI<RunsTable>(path, {
        parent: this.runId,
        offset: query.page * CHILD_PAGE,
        limit: CHILD_PAGE,
        sort: key(query.sort_key),
        order: query.descending ? "desc" : "asc",
      }),
      requestAPI<RunsTable>(path, {
        parent: this.runId,
        limit: 1,
        sort: metricKey,
        order: goal === "MAXIMIZE" ? "desc" : "asc",
      }),
    ]);
    const params = page.columns
      .filter((c) => c.key.startsWith("property:param."))
      .map((c) => c.key.slice("property:param.".length));
    const trial = (row: TableRow): ChildRow => ({
      id: row.id,
      number: row.number,
      status: row.status,
      metric: cellValue(row.values[metricKey]),
      start_time: row.start_time,
      duration: durationOf(row),
      params: Object.fromEntries(params.map((p) => [p, row.values[`property:param.${p}`] ?? null])),
      early_termination: stoppedBecause(row.values["property:earlyTerminationReason"]),
      trial_label: row.trial_label,
    });
    const best = top.rows[0];
    const bestValue = best === undefined ? null : cellValue(best.values[metricKey]);
    this.childTable.update({
      total: page.total,
      counts: page.status_counts,
      columns: params,
      metric,
      metric_label: page.columns.find((c) => c.key === metricKey)?.label ?? metric,
      goal,
      best:
        best === undefined || bestValue === null
          ? null
          : { id: best.id, number: best.number, value: bestValue, trial_label: best.trial_label },
      page: query.page,
      page_size: CHILD_PAGE,
      sort_key: query.sort_key,
      descending: query.descending,
      rows: page.rows.map(trial),
    });
    this.sections.children.hidden = false;
  }

  /** Fetch with the server's auth, then save the bytes under the file's name. */
  private async download(name: string): Promise<void> {
    const response = await request(`runs/${segment(this.runId)}/files/${filePath(name)}`);
    saveBlob(await response.blob(), name.split("/").pop() ?? name);
  }
}

function filePath(name: string): string {
  return name.split("/").map(segment).join("/");
}

/** The table's sort keys for the child table's own. */
const TRIAL_SORTS: Readonly<Record<string, string>> = { start_time: "created_time" };

function stoppedBecause(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function cellValue(value: unknown): number | string | null {
  if (typeof value === "number" || typeof value === "string") return value;
  return typeof value === "boolean" ? String(value) : null;
}

function childRow(run: RunRow): ChildRow {
  return {
    id: run.id,
    number: run.number,
    status: run.status,
    metric: typeof run.metric === "boolean" ? String(run.metric) : run.metric,
    start_time: run.start_time,
    duration: durationOf(run),
    params: {},
    early_termination: null,
    trial_label: null,
  };
}
