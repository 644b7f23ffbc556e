/**
 * The header part: status, identity, timing, error, and the key/value table.
 * Each trait updates only the nodes it feeds; the duration ticks locally.
 */

import type { AnyModel } from "@anywidget/types";
import type { HeaderTraits, RunState, OutgoingMessage } from "../wire";
import { button, el, metaItem, setChildren, widgetRoot } from "../components/dom";
import { errorBlock } from "../components/errorBlock";
import { formatCell, formatDuration, formatTimestamp } from "../components/format";
import { createKvTable } from "../components/kvTable";
import { isFinalStatus, updateStatusBadge } from "../components/statusBadge";

type Model = AnyModel<HeaderTraits>;

export function renderHeader(model: Model, host: HTMLElement): () => void {
  const send = (msg: OutgoingMessage): void => {
    model.send(msg);
  };
  const back = button("rw-button rw-back", "← back", () => {
    send({ type: "back" });
  });
  back.title = "Back to the previous run";
  const crumbs = el("span", "rw-crumbs");
  const nav = el("div", "rw-nav", back, crumbs);

  const badge = el("span");
  const title = el("span", "rw-title");
  const subtitle = el("span", "rw-subtitle");
  const sweep = el("span", "rw-chip rw-chip-sweep", "sweep");
  const live = el("span", "rw-live", el("span", "rw-live-dot"), "live");
  const titleRow = el(
    "div",
    "rw-title-row",
    badge,
    title,
    subtitle,
    sweep,
    el("span", "rw-spacer"),
    live,
  );

  const experiment = el("span", "rw-meta-value");
  const started = el("span", "rw-meta-value");
  const duration = el("span", "rw-meta-value rw-duration");
  const type = el("span", "rw-meta-value");
  const parent = el("span", "rw-meta-value rw-mono");
  const parentItem = metaItem("Parent", parent);
  const meta = el(
    "div",
    "rw-meta",
    metaItem("Experiment", experiment),
    metaItem("Started", started),
    metaItem("Duration", duration),
    metaItem("Type", type),
    parentItem,
  );
  const errorSlot = el("div", "rw-error-slot");
  const kv = createKvTable(["Properties", "Tags", "Metrics"]);
  const root = widgetRoot("rw-header", nav, titleRow, meta, errorSlot, kv.el);
  host.replaceChildren(root);

  // Kernel clock minus browser clock, measured when `now` arrived, so a kernel
  // on another machine (or a skewed clock) still gives the right duration.
  let offset = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  let shownError = "";

  const run = (): RunState => model.get("run");

  function tick(): void {
    const r = run();
    const now = isFinalStatus(r.status) ? model.get("now") : Date.now() / 1000 + offset;
    duration.textContent = formatDuration(elapsed(r, now));
  }

  function onNow(): void {
    offset = model.get("now") - Date.now() / 1000;
    tick();
  }

  function onRun(): void {
    const r = run();
    updateStatusBadge(badge, r.status);
    // In its sweep a trial goes by its index ("Trial 7"), not its run number.
    title.textContent = `${r.trial_label ?? `Run ${r.number}`} · ${r.id}`;
    subtitle.textContent = r.display_name ?? "";
    subtitle.hidden = r.display_name === null || r.display_name === "" || r.display_name === r.id;
    sweep.hidden = !r.is_sweep;
    experiment.textContent = r.experiment;
    started.textContent = r.start_time === null ? "not started" : formatTimestamp(r.start_time);
    started.title = `created ${formatTimestamp(r.created_time)}`;
    type.textContent = r.type;
    parent.textContent = r.parent_id ?? "";
    parentItem.hidden = r.parent_id === null;
    // Rebuild the error only when it changes, so an opened traceback stays open.
    const errorKey = JSON.stringify(r.error);
    if (errorKey !== shownError) {
      shownError = errorKey;
      setChildren(errorSlot, r.error !== null && errorBlock(r.error));
    }
    const ticking = !isFinalStatus(r.status) && r.start_time !== null && r.end_time === null;
    if (ticking && timer === undefined) timer = setInterval(tick, 1000);
    if (!ticking && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
    tick();
  }

  function onBreadcrumb(): void {
    const trail = model.get("breadcrumb");
    back.hidden = trail.length < 2;
    setChildren(
      crumbs,
      ...trail.flatMap((crumb, i) => [
        i > 0 && el("span", "rw-crumb-sep", "›"),
        el("span", i === trail.length - 1 ? "rw-crumb rw-crumb-current" : "rw-crumb", crumb.label),
      ]),
    );
    nav.hidden = trail.length < 2;
  }

  function onPolling(): void {
    live.hidden = !model.get("polling");
    live.title = `updates every ${formatCell(model.get("interval"))} s`;
  }

  function onProperties(): void {
    kv.setSection(
      "Properties",
      Object.entries(model.get("properties")).map(([key, value]) => ({
        key,
        value: formatCell(value),
        muted: value === null,
      })),
    );
  }

  function onTags(): void {
    kv.setSection(
      "Tags",
      Object.entries(model.get("tags")).map(([key, value]) => ({ key, value })),
    );
  }

  function onScalars(): void {
    kv.setSection(
      "Metrics",
      model.get("scalars").map((s) => ({
        key: s.name,
        value: formatCell(s.value),
        title: s.description,
        muted: s.value === null,
      })),
    );
  }

  const handlers: [string, () => void][] = [
    ["change:now", onNow],
    ["change:run", onRun],
    ["change:breadcrumb", onBreadcrumb],
    ["change:polling", onPolling],
    ["change:interval", onPolling],
    ["change:properties", onProperties],
    ["change:tags", onTags],
    ["change:scalars", onScalars],
  ];
  for (const [event, handler] of handlers) {
    handler();
    model.on(event, handler);
  }

  return () => {
    for (const [event, handler] of handlers) model.off(event, handler);
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
}

/** Seconds the run has taken by `now` (kernel clock), or null before it starts. */
function elapsed(run: RunState, now: number): number | null {
  if (run.start_time === null) return null;
  return (run.end_time ?? now) - run.start_time;
}
