/**
 * The experiment dashboard in the main area: the runs of an experiment (or the
 * trials of a sweep) as one sortable, filterable, virtualized table with a
 * column picker and CSV download, and the chart builder below it. On the
 * iterations of an AutoML search, the run panel's AutoML view (automl.ts) comes
 * first. It polls every `interval` seconds while visible, like the sidebar.
 */

import { Widget } from "@lumino/widgets";
import type { Message } from "@lumino/messaging";
import { button, el, saveBlob, setChildren } from "../components/dom";
import { request, requestAPI, segment } from "./api";
import type { ColumnInfo, RunDetailsBody } from "./api";
import { AutoMLLoader } from "./automlLoader";
import { section } from "./detailsParts";
import { RunsTable } from "../components/runsTable";
import { ChartBuilder, MAX_OVERLAY } from "./chartBuilder";
import { LiveRefresh } from "./liveRefresh";
import { statusChips } from "./sidebarRows";
import { TablePages, scopeQuery, tablePath } from "./tablePages";
import type { Scope, TableQuery } from "./tablePages";

/** Tag, property and metric columns shown before the user picks (metrics first). */
const DEFAULT_VALUE_COLUMNS = 14;

export interface DashboardOptions {
  scope: Scope;
  interval: () => number;
  openRun(id: string): void;
}

export function dashboardId(scope: Scope): string {
  return `runwatch-dashboard-${encodeURIComponent(scope.experiment)}-${encodeURIComponent(scope.parent ?? "")}`;
}

export class DashboardPanel extends Widget {
  readonly scope: Scope;
  private readonly pages: TablePages;
  private readonly table: RunsTable;
  private readonly charts: ChartBuilder;
  private readonly search: HTMLInputElement;
  private readonly chips = el("div", "rw-sb-chips rw-db-chips");
  private readonly count = el("span", "rw-db-count");
  private readonly picker = el("details", "rw-db-picker");
  private readonly pickerList = el("div", "rw-db-picker-list");
  private readonly message = el("div", "rw-sb-message");
  private readonly heading = el("span", "rw-title");
  private readonly filters: HTMLElement;
  /** The parent's AutoML view, when the parent is an AutoML search. */
  private automl: AutoMLLoader | null = null;
  private readonly statuses = new Set<string>();
  /** Columns the user showed (true) or hid (false) in the picker. */
  private readonly chosen = new Map<string, boolean>();
  private shownColumns = "";
  private readonly live = new LiveRefresh(this, {
    poll: () => this.poll(),
    interval: () => this.options.interval(),
    // Durations of active runs tick every second without asking the server.
    tick: () => {
      this.table.schedule();
    },
  });

  constructor(private readonly options: DashboardOptions) {
    super();
    this.scope = options.scope;
    this.id = dashboardId(options.scope);
    this.addClass("rw-lab");
    this.addClass("rw-dashboard");
    this.node.dataset.lmSuppressShortcuts = "true";
    this.node.dataset.experiment = options.scope.experiment;
    if (options.scope.parent !== undefined) this.node.dataset.parent = options.scope.parent;
    this.title.label = `Compare · ${options.scope.experiment}`;
    this.title.caption = `runwatch: the runs of ${options.scope.experiment}`;
    this.title.closable = true;
    this.heading.textContent = this.scope.parent === undefined ? this.scope.experiment : "Trials";

    this.search = el("input", "rw-sb-search rw-db-search jp-mod-styled");
    this.search.type = "search";
    this.search.placeholder = "Filter runs: id, name, number, tag";
    this.search.setAttribute("aria-label", "Filter runs");
    let typing = 0;
    this.search.addEventListener("input", () => {
      window.clearTimeout(typing);
      typing = window.setTimeout(() => {
        this.queryChanged({ q: this.search.value.trim() });
      }, 250);
    });

    this.pages = new TablePages(
      options.scope,
      { q: "", statuses: [], sort: "number", descending: true },
      () => {
        this.dataChanged();
      },
    );
    this.table = new RunsTable({
      sort: (sort, descending) => {
        this.queryChanged({ sort, descending });
      },
      open: (id) => {
        options.openRun(id);
      },
      selectionChanged: () => {
        void this.charts.refresh();
      },
      maxSelected: MAX_OVERLAY,
    });
    this.table.el.classList.add("rw-db-table");
    this.charts = new ChartBuilder({
      scope: options.scope,
      filter: () => this.pages.current,
      picked: () => [...this.table.selected],
      openRun: (id) => {
        options.openRun(id);
      },
    });

    const refresh = button("rw-button", "↻", () => {
      void this.refresh();
    });
    refresh.title = "Refresh now";
    refresh.setAttribute("aria-label", "Refresh now");
    const download = button("rw-button rw-db-csv", "Download CSV", () => {
      this.downloadCsv().catch((error: unknown) => {
        this.showMessage(error instanceof Error ? error.message : String(error));
      });
    });
    download.title = "The filtered runs table, every row and column, as CSV";
    this.picker.append(el("summary", "rw-button", "Columns"), this.pickerList);
    this.message.hidden = true;
    this.filters = el("div", "rw-db-filters", this.search, this.chips);
    this.node.append(
      el(
        "div",
        "rw-header rw-db-header",
        el(
          "div",
          "rw-title-row",
          this.heading,
          this.count,
          el("span", "rw-spacer"),
          this.picker,
          download,
          refresh,
        ),
        this.filters,
      ),
      this.message,
      this.table.el,
      this.charts.el,
    );
  }

  /** Poll now (the refresh command and button); concurrent calls share one poll. */
  refresh(): Promise<void> {
    return this.live.refresh();
  }

  // Polls while visible (after the parent's load has started, on after-attach).
  override processMessage(msg: Message): void {
    super.processMessage(msg);
    this.live.follow(msg);
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    void this.loadParent();
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.table.schedule();
    this.charts.redraw();
  }

  override dispose(): void {
    this.live.stop();
    this.table.dispose();
    this.charts.dispose();
    super.dispose();
  }

  private async poll(): Promise<void> {
    const [first, last] = this.table.range();
    const [changed] = await Promise.all([this.pages.refresh(first, last), this.loadAutoML()]);
    // The cursor is the store's: an unchanged table means unchanged charts too.
    if (changed) await this.charts.refresh();
  }

  /** The AutoML view, if it changed since the last poll; its errors are the panel's message. */
  private async loadAutoML(): Promise<void> {
    try {
      await this.automl?.load();
    } catch (error) {
      this.showMessage(error instanceof Error ? error.message : String(error));
    }
  }

  /**
   * An AutoML search's view above the comparison: the iteration table, the metric picker
   * and the chart, as in the run panel (its best iteration is `AutoMLRun.get_output`'s).
   * The filters follow it, next to the table they filter.
   */
  private showAutoML(parent: string): void {
    if (this.automl !== null) return; // attached again: already shown
    const automl = new AutoMLLoader({
      runId: parent,
      open: (id) => {
        this.options.openRun(id);
      },
      failed: (error) => {
        this.showMessage(error instanceof Error ? error.message : String(error));
      },
    });
    this.automl = automl;
    const part = section("AutoML", automl.el);
    part.classList.add("rw-db-automl");
    this.message.after(part);
    part.after(this.filters);
    this.filters.classList.add("rw-db-automl-filters");
    void this.loadAutoML();
  }

  /**
   * A sweep's (or AutoML search's) name and primary metric (the default Y; the server
   * says which run is best); an AutoML search's view.
   */
  private async loadParent(): Promise<void> {
    const parent = this.scope.parent;
    if (parent === undefined) return;
    try {
      const body = await requestAPI<RunDetailsBody>(`runs/${segment(parent)}`);
      const run = body.run;
      const name = run.display_name ?? run.id;
      const automl = run.type === "automl";
      const children = automl ? "Iterations" : "Trials";
      this.heading.textContent = `${children} of #${run.number} ${name}`;
      this.title.label = `${children} · #${run.number} ${name}`;
      this.title.caption = `runwatch: the child runs of ${run.id} (${run.experiment})`;
      if (automl) this.showAutoML(run.id);
      // A sweep's primary metric, or an AutoML search's (without a goal for the scatter).
      const metric = automl ? body.properties.primary_metric : body.properties.primary_metric_name;
      if (typeof metric === "string" && metric !== "") {
        this.charts.setPrimary(metric);
        if (this.pages.total !== null) this.charts.setColumns(this.pages.columns);
        await this.charts.refresh(true);
      }
    } catch (error) {
      this.showMessage(error instanceof Error ? error.message : String(error));
    }
  }

  private dataChanged(): void {
    const pages = this.pages;
    this.showMessage(pages.error);
    const total = pages.total ?? 0;
    this.count.textContent = pages.total === null ? "" : `${total} ${total === 1 ? "run" : "runs"}`;
    const counts: Record<string, number> = { ...pages.statusCounts };
    for (const status of this.statuses) counts[status] ??= 0;
    setChildren(
      this.chips,
      ...statusChips(counts, this.statuses, (status) => {
        if (!this.statuses.delete(status)) this.statuses.add(status);
        this.queryChanged({ statuses: [...this.statuses] });
      }),
    );
    const columns = this.visibleColumns();
    const shown = JSON.stringify([columns, pages.current]);
    if (shown !== this.shownColumns) {
      this.shownColumns = shown;
      this.renderPicker();
      this.charts.setColumns(pages.columns);
    }
    const query = pages.current;
    this.table.show({
      source: {
        count: () => pages.total ?? 0,
        row: (i) => pages.row(i),
        need: (a, b) => {
          pages.need(a, b);
        },
      },
      columns,
      sort: query.sort,
      descending: query.descending,
      empty: pages.total === 0 ? "No runs match." : null,
    });
  }

  private visibleColumns(): ColumnInfo[] {
    const values = this.pages.columns.filter((c) => c.group !== "run");
    const order = ["metric", "property", "tag"];
    const byDefault = new Set(
      [...values]
        .sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group))
        .slice(0, DEFAULT_VALUE_COLUMNS)
        .map((c) => c.key),
    );
    return this.pages.columns.filter(
      (c) => c.group === "run" || (this.chosen.get(c.key) ?? byDefault.has(c.key)),
    );
  }

  private renderPicker(): void {
    const visible = new Set(this.visibleColumns().map((c) => c.key));
    const values = this.pages.columns.filter((c) => c.group !== "run");
    const summary = this.picker.querySelector("summary");
    if (summary !== null)
      summary.textContent = `Columns ${visible.size - (this.pages.columns.length - values.length)}/${values.length}`;
    const groups = ["metric", "property", "tag"].map((group) => {
      const items = values.filter((c) => c.group === group);
      if (items.length === 0) return null;
      return el(
        "fieldset",
        "rw-db-picker-group",
        el("legend", "", group === "property" ? "properties" : `${group}s`),
        ...items.map((column) => {
          const box = el("input", "");
          box.type = "checkbox";
          box.checked = visible.has(column.key);
          box.dataset.key = column.key;
          box.addEventListener("change", () => {
            this.chosen.set(column.key, box.checked);
            this.dataChanged();
          });
          return el("label", "rw-db-picker-item", box, column.label);
        }),
      );
    });
    setChildren(this.pickerList, ...groups);
  }

  private queryChanged(change: Partial<TableQuery>): void {
    this.pages.setQuery({ ...this.pages.current, ...change });
    this.table.scrollToTop();
    this.dataChanged();
    const [first, last] = this.table.range();
    this.pages.need(first, last);
    if (change.q !== undefined || change.statuses !== undefined) void this.charts.refresh(true);
  }

  /** Fetch the CSV with the server's auth, then save it under the server's file name. */
  private async downloadCsv(): Promise<void> {
    const query = this.pages.current;
    const response = await request(tablePath(this.scope, "table.csv"), {
      ...scopeQuery(this.scope, query),
      sort: query.sort,
      order: query.descending ? "desc" : "asc",
    });
    const disposition = response.headers.get("Content-Disposition") ?? "";
    const named = /filename="?([^";]+)"?/.exec(disposition)?.[1];
    saveBlob(await response.blob(), named ?? `${this.scope.experiment}-runs.csv`);
  }

  private showMessage(text: string | null): void {
    this.message.hidden = text === null;
    this.message.textContent = text ?? "";
  }
}
