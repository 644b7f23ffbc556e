/**
 * The runwatch sidebar: experiments, each expandable into its runs (active and
 * queued first), a text filter, status chips with counts, the metric shown
 * per run, the registered models below them, and a poll every `interval`
 * seconds while the panel is visible.
 */

import { Widget } from "@lumino/widgets";
import type { Message } from "@lumino/messaging";
import { button, el, setChildren } from "../components/dom";
import { formatDuration } from "../components/format";
import { isFinalStatus } from "../components/statusBadge";
import { durationOf, requestAPI } from "./api";
import type { ExperimentList, ExperimentRow } from "./api";
import { Listing } from "./listing";
import { LiveRefresh } from "./liveRefresh";
import { ModelsSection } from "./sidebarModels";
import { experimentNode, runNode, statusChips } from "./sidebarRows";
import type { ListingFilter } from "./listing";
import { VirtualList } from "./virtualList";

export const ROW_HEIGHT = 46;

export interface SidebarOptions {
  openRun(id: string): void;
  /** Open the dashboard comparing the runs of `experiment` (the children of `parent`). */
  openDashboard(experiment: string, parent?: string): void;
  /** The user picked the metric shown per run (saved as a setting). */
  metricChosen(name: string): void;
}

type Item =
  | { kind: "experiment"; experiment: ExperimentRow; listing: Listing | undefined }
  | { kind: "run"; listing: Listing; index: number }
  | { kind: "note"; listing: Listing; text: string };

export class RunwatchSidebar extends Widget {
  private experiments: ExperimentRow[] = [];
  private cursor = 0;
  private readonly listings = new Map<string, Listing>();
  private readonly list: VirtualList;
  private readonly search: HTMLInputElement;
  private readonly metricSelect: HTMLSelectElement;
  private readonly chips: HTMLElement;
  private readonly message: HTMLElement;
  private readonly models: ModelsSection;
  private statuses = new Set<string>();
  private metricSetting = "";
  private intervalSeconds = 10;
  private readonly live = new LiveRefresh(this, {
    poll: () => this.poll(),
    interval: () => this.intervalSeconds,
    // Durations of active runs tick every second without asking the server.
    tick: () => {
      this.list.schedule();
    },
  });
  private loaded = false;

  constructor(private readonly options: SidebarOptions) {
    super();
    this.addClass("rw-lab");
    this.addClass("rw-sidebar");
    this.node.dataset.lmSuppressShortcuts = "true";

    this.search = el("input", "rw-sb-search jp-mod-styled");
    this.search.type = "search";
    this.search.placeholder = "Filter runs: id, name, number, tag";
    this.search.setAttribute("aria-label", "Filter runs");
    let typing = 0;
    this.search.addEventListener("input", () => {
      window.clearTimeout(typing);
      typing = window.setTimeout(() => {
        this.filterChanged();
      }, 250);
    });

    this.metricSelect = el("select", "rw-sb-metric-select");
    this.metricSelect.title = "The metric shown for each run";
    this.metricSelect.addEventListener("change", () => {
      this.metricSetting = this.metricSelect.value;
      this.options.metricChosen(this.metricSetting);
      this.filterChanged();
    });

    this.chips = el("div", "rw-sb-chips");
    this.message = el("div", "rw-sb-message");
    this.message.hidden = true;
    const refresh = button("rw-button rw-sb-refresh", "↻", () => {
      void this.refresh();
    });
    refresh.title = "Refresh now";
    refresh.setAttribute("aria-label", "Refresh now");

    this.list = new VirtualList(ROW_HEIGHT, {
      count: () => this.items().length,
      key: (i) => itemKey(this.items()[i]),
      signature: (i) => this.signature(this.items()[i]),
      render: (i) => this.renderItem(this.items()[i]),
      inView: (first, last) => {
        this.need(first, last);
      },
    });
    this.list.el.addEventListener("click", (event) => {
      this.rowActivated(event.target as Element);
    });
    this.list.el.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        this.rowActivated(event.target as Element);
      }
    });

    const head = el(
      "div",
      "rw-sb-head",
      el("span", "rw-sb-title", "Experiments"),
      el("span", "rw-spacer"),
      refresh,
    );
    const filters = el("div", "rw-sb-filters", this.search, this.metricSelect);
    this.models = new ModelsSection((id) => {
      this.options.openRun(id);
    });
    this.node.append(head, filters, this.chips, this.message, this.list.el, this.models.node);
  }

  /** Apply settings; a new metric reloads the listings. */
  configure(intervalSeconds: number, metric: string): void {
    this.intervalSeconds = Math.max(1, intervalSeconds);
    if (metric !== this.metricSetting) {
      this.metricSetting = metric;
      this.filterChanged();
    }
    this.live.restart();
  }

  /** Poll now (the refresh command and button); concurrent calls share one poll. */
  refresh(): Promise<void> {
    return this.live.refresh();
  }

  // Polls while visible: restored open, the sidebar gets after-attach only; opened later, after-show.
  override processMessage(msg: Message): void {
    super.processMessage(msg);
    this.live.follow(msg);
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.list.schedule();
  }

  override dispose(): void {
    this.live.stop();
    this.list.dispose();
    super.dispose();
  }

  private async poll(): Promise<void> {
    try {
      const body = await requestAPI<ExperimentList>("experiments", {
        since: this.cursor > 0 ? this.cursor : undefined,
      });
      this.showMessage(null);
      if (!body.unchanged) {
        this.cursor = body.cursor;
        this.setExperiments(body.experiments);
      }
    } catch (error) {
      this.showMessage(
        `runwatch server: ${error instanceof Error ? error.message : String(error)}`,
      );
      return;
    }
    const [first, last] = this.list.range();
    const items = this.items();
    await Promise.all(
      [...this.listings.values()].map((listing) => {
        const rows = items
          .map((item) => (item.kind === "run" && item.listing === listing ? item.index : -1))
          .slice(first, last + 1)
          .filter((i) => i >= 0);
        return listing.refresh(rows[0] ?? 0, rows[rows.length - 1] ?? 0);
      }),
    );
    this.updateControls();
    try {
      await this.models.poll();
    } catch (error) {
      this.showMessage(
        `runwatch models: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private setExperiments(experiments: ExperimentRow[]): void {
    // By name: an order that does not shift under the pointer as runs come and go.
    this.experiments = [...experiments].sort((a, b) => a.name.localeCompare(b.name));
    const names = new Set(experiments.map((e) => e.name));
    for (const name of [...this.listings.keys()]) if (!names.has(name)) this.listings.delete(name);
    // On the first load, open the experiment with the latest run.
    const latest = [...experiments].sort(
      (a, b) => (b.last_created_time ?? b.created_time) - (a.last_created_time ?? a.created_time),
    )[0];
    if (!this.loaded && latest !== undefined) this.expand(latest.name);
    this.loaded = true;
    this.changed();
  }

  private expand(name: string): void {
    const listing = new Listing(name, this.filter(), () => {
      this.changed();
    });
    this.listings.set(name, listing);
    listing.need(0, 0);
  }

  /** The chosen metric, or "" for each experiment's own first metric. */
  private filter(): ListingFilter {
    return {
      q: this.search.value.trim(),
      statuses: [...this.statuses],
      metric: this.metricSetting,
    };
  }

  private filterChanged(): void {
    const filter = this.filter();
    for (const listing of this.listings.values()) listing.setFilter(filter);
    this.list.el.scrollTop = 0;
    this.changed();
  }

  private need(first: number, last: number): void {
    const items = this.items();
    for (let i = first; i <= last; i++) {
      const item = items[i];
      if (item?.kind === "run") item.listing.need(item.index, item.index);
    }
  }

  private changed(): void {
    this.cachedItems = null;
    this.updateControls();
    this.list.schedule();
  }

  private cachedItems: Item[] | null = null;

  /** The flattened rows: each experiment, then its runs when expanded. */
  private items(): Item[] {
    if (this.cachedItems !== null) return this.cachedItems;
    const items: Item[] = [];
    for (const experiment of this.experiments) {
      const listing = this.listings.get(experiment.name);
      items.push({ kind: "experiment", experiment, listing });
      if (listing === undefined) continue;
      if (listing.error !== null) items.push({ kind: "note", listing, text: listing.error });
      else if (listing.total === null) items.push({ kind: "note", listing, text: "Loading…" });
      else if (listing.total === 0) items.push({ kind: "note", listing, text: "No runs match." });
      for (let index = 0; index < (listing.total ?? 0); index++) {
        items.push({ kind: "run", listing, index });
      }
    }
    this.cachedItems = items;
    return items;
  }

  private signature(item: Item | undefined): string {
    if (item === undefined) return "";
    if (item.kind === "note") return `note:${item.text}`;
    if (item.kind === "experiment") {
      const e = item.experiment;
      return `${e.run_count}:${e.active_count}:${item.listing === undefined ? 0 : 1}`;
    }
    const run = item.listing.run(item.index);
    if (run === undefined) return "loading";
    const live = isFinalStatus(run.status) ? "" : formatDuration(durationOf(run));
    return JSON.stringify([
      run.status,
      run.display_name,
      run.metric,
      item.listing.metric,
      run.start_time,
      run.end_time,
      live,
    ]);
  }

  private renderItem(item: Item | undefined): HTMLElement {
    if (item === undefined) return el("div", "");
    if (item.kind === "note") return el("div", "rw-sb-note", item.text);
    if (item.kind === "experiment")
      return experimentNode(item.experiment, item.listing !== undefined);
    const run = item.listing.run(item.index);
    if (run === undefined) return el("div", "rw-sb-run rw-sb-placeholder", "…");
    return runNode(run, item.listing.metric);
  }

  private rowActivated(target: Element): void {
    const row = target.closest<HTMLElement>(".rw-vl-row");
    if (row === null) return;
    const { runId, experiment } = row.dataset;
    if (runId !== undefined && experiment !== undefined && target.closest("[data-action=trials]")) {
      this.options.openDashboard(experiment, runId);
    } else if (runId !== undefined) {
      this.options.openRun(runId);
    } else if (experiment !== undefined && target.closest("[data-action=dashboard]") !== null) {
      // An experiment of one sweep (and nothing else): compare its trials, not the sweep.
      const only = this.listings.get(experiment)?.run(0);
      const single = this.experiments.find((e) => e.name === experiment)?.run_count === 1;
      if (single && only !== undefined && only.child_count > 0)
        this.options.openDashboard(experiment, only.id);
      else this.options.openDashboard(experiment);
    } else if (experiment !== undefined) {
      if (this.listings.has(experiment)) this.listings.delete(experiment);
      else this.expand(experiment);
      this.changed();
    }
  }

  private updateControls(): void {
    const counts: Record<string, number> = {};
    const names = new Set<string>();
    for (const listing of this.listings.values()) {
      for (const [status, n] of Object.entries(listing.statusCounts)) {
        counts[status] = (counts[status] ?? 0) + n;
      }
      for (const name of listing.metricNames) names.add(name);
    }
    for (const status of this.statuses) counts[status] ??= 0;
    setChildren(
      this.chips,
      ...statusChips(counts, this.statuses, (status) => {
        if (!this.statuses.delete(status)) this.statuses.add(status);
        this.filterChanged();
      }),
    );
    if (this.metricSetting !== "") names.add(this.metricSetting);
    const options = ["", ...[...names].sort()];
    const wanted = JSON.stringify(options);
    if (this.metricSelect.dataset.options !== wanted) {
      setChildren(
        this.metricSelect,
        ...options.map((name) => {
          const option = el("option", "", name === "" ? "(each experiment's first)" : name);
          option.value = name;
          return option;
        }),
      );
      this.metricSelect.dataset.options = wanted;
    }
    this.metricSelect.value = this.metricSetting;
  }

  private showMessage(text: string | null): void {
    this.message.hidden = text === null;
    this.message.textContent = text ?? "";
  }
}

function itemKey(item: Item | undefined): string {
  if (item === undefined) return "";
  if (item.kind === "experiment") return `e\u0000${item.experiment.name}`;
  if (item.kind === "note") return `n\u0000${item.listing.experiment}`;
  const run = item.listing.run(item.index);
  // Rows move when a run changes place; keying by id keeps their nodes.
  return run === undefined
    ? `p\u0000${item.listing.experiment}\u0000${item.index}`
    : `r\u0000${run.id}`;
}
