/**
 * The sidebar's "Models" section: every version of every registered model,
 * newest first, each with the run it was registered from (a link that opens
 * the run), its created time and its tags. Polled with the runs; text is set
 * as text, never as HTML.
 */

import { el, setChildren } from "../components/dom";
import { formatShortTimestamp, formatTimestamp } from "../components/format";
import { requestAPI } from "./api";
import type { ModelList, ModelRow } from "./api";

export class ModelsSection {
  readonly node: HTMLElement;
  private readonly list: HTMLElement;
  private readonly count: HTMLElement;
  private readonly caret: HTMLElement;
  private cursor = 0;
  private models: ModelRow[] = [];
  private open = true;

  constructor(private readonly openRun: (id: string) => void) {
    this.caret = el("span", "rw-sb-caret", "▾");
    this.count = el("span", "rw-note", "");
    const head = el(
      "div",
      "rw-sb-models-head",
      this.caret,
      el("span", "rw-sb-title", "Models"),
      this.count,
    );
    head.tabIndex = 0;
    head.setAttribute("role", "button");
    head.setAttribute("aria-expanded", "true");
    head.title = "Show or hide the registered models";
    const toggle = (): void => {
      this.open = !this.open;
      head.setAttribute("aria-expanded", String(this.open));
      this.caret.textContent = this.open ? "▾" : "▸";
      this.list.hidden = !this.open;
    };
    head.addEventListener("click", toggle);
    head.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        toggle();
      }
    });
    this.list = el("div", "rw-sb-models-list");
    this.list.addEventListener("click", (event) => {
      this.activated(event);
    });
    this.list.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") this.activated(event);
    });
    this.node = el("section", "rw-sb-models", head, this.list);
    this.node.setAttribute("aria-label", "Registered models");
    this.render();
  }

  /** Ask for the models changed since the last answer; errors are the caller's to show. */
  async poll(): Promise<void> {
    const body = await requestAPI<ModelList>("models", {
      since: this.cursor > 0 ? this.cursor : undefined,
    });
    if (body.unchanged) return;
    this.cursor = body.cursor;
    this.models = body.models;
    this.render();
  }

  private render(): void {
    this.count.textContent = this.models.length > 0 ? String(this.models.length) : "";
    if (this.models.length === 0) {
      setChildren(this.list, el("div", "rw-sb-note", "No models registered."));
      return;
    }
    setChildren(this.list, ...this.models.map(modelNode));
  }

  private activated(event: Event): void {
    const link = (event.target as Element).closest<HTMLElement>("[data-run-id]");
    if (link?.dataset.runId === undefined) return;
    event.preventDefault();
    this.openRun(link.dataset.runId);
  }
}

export function modelNode(model: ModelRow): HTMLElement {
  let source: HTMLElement;
  if (model.run_id !== null) {
    source = el("a", "rw-sb-model-run", model.run_id);
    source.dataset.runId = model.run_id;
    source.setAttribute("role", "link");
    source.tabIndex = 0;
    source.title = `Open run ${model.run_id}${
      model.experiment === null ? "" : ` of ${model.experiment}`
    }`;
  } else {
    source = el("span", "rw-sb-model-run rw-note", "local files");
    source.title = "Registered with Model.register from local files";
  }
  const tags = Object.entries(model.tags).map(([key, value]) => {
    const tag = el("span", "rw-sb-model-tag", value === "" ? key : `${key}: ${value}`);
    tag.title = `${key}: ${value}`;
    return tag;
  });
  const node = el(
    "div",
    "rw-sb-model",
    el(
      "div",
      "rw-sb-line",
      el("span", "rw-sb-model-name", model.name),
      el("span", "rw-sb-model-version", `v${model.version}`),
      el("span", "rw-sb-model-time", formatShortTimestamp(model.created_time)),
    ),
    el("div", "rw-sb-line rw-sb-sub", source, ...tags),
  );
  node.dataset.modelId = model.id;
  node.title = [
    `${model.id} · registered ${formatTimestamp(model.created_time)}`,
    model.description,
  ]
    .filter((line) => line !== "")
    .join("\n");
  return node;
}
