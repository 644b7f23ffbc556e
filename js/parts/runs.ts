/**
 * ExperimentDetails' runs part: the title, a text filter, status chips with
 * counts (pressed chips filter), the runs table (the dashboard's, over the page
 * of rows the kernel sent) with a pager, and a CSV export button. Every change
 * of query goes to the kernel, which answers with a new page.
 */

import type { AnyModel } from "@anywidget/types";
import type { RunsMessage, RunsTraits, TableQueryMessage } from "../wire";
import { button, el, setChildren, widgetRoot } from "../components/dom";
import { formatCell } from "../components/format";
import { createPager } from "../components/pager";
import { RunsTable } from "../components/runsTable";
import { STATUS_ORDER, statusTone, updateStatusBadge } from "../components/statusBadge";

type Model = AnyModel<RunsTraits>;

const FILTER_DELAY_MS = 300;

export function renderRuns(model: Model, host: HTMLElement): () => void {
  const send = (msg: RunsMessage): void => {
    model.send(msg);
  };
  const table = new RunsTable({
    sort: (sort, descending) => {
      ask({ sort, descending });
    },
    selectionChanged: (ids) => {
      send({ type: "select", ids });
    },
    open: (id) => {
      send({ type: "open_run", id });
    },
    maxSelected: model.get("max_selected"),
  });
  const pager = createPager((offset) => {
    ask({ offset });
  });
  /** A new query: dim the table until the kernel's page arrives. */
  function ask(query: TableQueryMessage): void {
    table.el.classList.add("rw-pending");
    send({ type: "table_query", ...query });
  }
  let shownQuery = "";

  const badge = el("span");
  const title = el("span", "rw-title");
  const live = el("span", "rw-live", el("span", "rw-live-dot"), "live");
  const titleRow = el("div", "rw-title-row", badge, title, el("span", "rw-spacer"), live);

  const filter = el("input", "rw-filter");
  filter.type = "search";
  filter.placeholder = "Filter: id, name, number, tag value";
  filter.setAttribute("aria-label", "Filter runs");
  let timer: ReturnType<typeof setTimeout> | undefined;
  filter.addEventListener("input", () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      send({ type: "table_query", text: filter.value });
    }, FILTER_DELAY_MS);
  });
  const chips = el("div", "rw-compare-chips");
  const total = el("span", "rw-summary-total");
  const exportButton = button("rw-button rw-export", "Export CSV", () => {
    send({ type: "export_csv" });
  });
  exportButton.title = "Write the filtered runs (every row and column) as CSV next to the notebook";
  const selection = el("span", "rw-note rw-selection");
  const toolbar = el(
    "div",
    "rw-compare-toolbar",
    total,
    chips,
    el("span", "rw-spacer"),
    filter,
    exportButton,
  );
  const notice = el("div", "rw-note rw-notice");
  const root = widgetRoot("rw-runs", titleRow, toolbar, table.el, pager.el, selection, notice);
  host.replaceChildren(root);

  function toggleStatus(status: string): void {
    const current = model.get("table")?.statuses ?? [];
    const next = current.includes(status)
      ? current.filter((s) => s !== status)
      : [...current, status];
    send({ type: "table_query", statuses: next });
  }

  function onTable(): void {
    const state = model.get("table");
    if (state === null) return;
    table.el.classList.remove("rw-pending");
    const rows = state.rows;
    table.setSelected(model.get("selected"));
    table.show({
      source: { count: () => rows.length, row: (i) => rows[i] },
      columns: state.columns,
      sort: state.sort,
      descending: state.descending,
      empty: "No runs match.",
    });
    const query = JSON.stringify([
      state.offset,
      state.sort,
      state.descending,
      state.text,
      state.statuses,
    ]);
    if (query !== shownQuery) table.scrollToTop();
    shownQuery = query;
    pager.update({
      total: state.total,
      offset: state.offset,
      limit: state.limit,
      shown: rows.length,
    });
    const all = Object.values(state.status_counts).reduce((a, b) => a + b, 0);
    total.textContent = `${state.total} of ${all} ${all === 1 ? "run" : "runs"}`;
    const statuses = [
      ...STATUS_ORDER.filter((s) => (state.status_counts[s] ?? 0) > 0),
      ...Object.keys(state.status_counts).filter((s) => !STATUS_ORDER.includes(s)),
    ];
    setChildren(
      chips,
      ...statuses.map((status) => {
        const on = state.statuses.includes(status);
        const chip = button(`rw-chip rw-chip-${statusTone(status)} rw-chip-toggle`, "", () => {
          toggleStatus(status);
        });
        chip.append(el("span", "rw-dot"), `${status} ${state.status_counts[status] ?? 0}`);
        chip.dataset.status = status;
        chip.setAttribute("aria-pressed", String(on));
        chip.title = on ? `Stop showing only ${status} runs` : `Show only ${status} runs`;
        return chip;
      }),
    );
    // The kernel's text wins unless the user is typing.
    if (document.activeElement !== filter && timer === undefined) filter.value = state.text;
  }

  function onSelected(): void {
    const count = model.get("selected").length;
    selection.textContent =
      count === 0 ? "" : `${count} ${count === 1 ? "run" : "runs"} ticked for the overlay`;
    onTable();
  }

  function onScope(): void {
    const scope = model.get("scope");
    title.textContent = scope.title;
    badge.hidden = scope.status === null;
    if (scope.status !== null) updateStatusBadge(badge, scope.status);
  }

  function onPolling(): void {
    live.hidden = !model.get("polling");
    live.title = `updates every ${formatCell(model.get("interval"))} s`;
  }

  function onNotice(): void {
    notice.textContent = model.get("notice");
    notice.hidden = model.get("notice") === "";
  }

  const handlers: [string, () => void][] = [
    ["change:scope", onScope],
    ["change:table", onTable],
    ["change:selected", onSelected],
    ["change:polling", onPolling],
    ["change:interval", onPolling],
    ["change:notice", onNotice],
  ];
  for (const [event, handler] of handlers) {
    handler();
    model.on(event, handler);
  }

  return () => {
    for (const [event, handler] of handlers) model.off(event, handler);
    if (timer !== undefined) clearTimeout(timer);
    table.dispose();
  };
}
