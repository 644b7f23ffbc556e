/**
 * The body part: child runs, logged tables, images and the log tail, each in a
 * section that is hidden while it has nothing to show and updated only when
 * its own trait changes.
 */

import type { AnyModel } from "@anywidget/types";
import type { BodyTraits, OutgoingMessage } from "../wire";
import { createChildTable } from "../components/childTable";
import { el, widgetRoot } from "../components/dom";
import { createImageGallery } from "../components/imageGallery";
import { createLogView } from "../components/logView";
import { createTablesView } from "../components/tablesView";

type Model = AnyModel<BodyTraits>;

export function renderBody(model: Model, host: HTMLElement): () => void {
  const send = (msg: OutgoingMessage): void => {
    model.send(msg);
  };
  const children = createChildTable({
    query: (query) => {
      send({ type: "children_page", ...query });
    },
    open: (id) => {
      send({ type: "open_child", id });
    },
  });
  const tables = createTablesView();
  const images = createImageGallery();
  const log = createLogView();

  const childSection = section("Child runs", "rw-section-children", children.el);
  const tableSection = section("Tables", "rw-section-tables", tables.el);
  const imageSection = section("Images", "rw-section-images", images.el);
  const logSection = section("Log", "rw-section-log", log.el);
  host.replaceChildren(widgetRoot("rw-body", childSection, tableSection, imageSection, logSection));

  const handlers: [string, () => void][] = [
    [
      "change:children",
      () => {
        const state = model.get("children");
        childSection.hidden = state === null;
        if (state !== null) children.update(state);
      },
    ],
    [
      "change:tables",
      () => {
        const state = model.get("tables");
        tableSection.hidden = state.length === 0;
        tables.update(state);
      },
    ],
    [
      "change:images",
      () => {
        const state = model.get("images");
        imageSection.hidden = state.length === 0;
        images.update(state);
      },
    ],
    [
      "change:log",
      () => {
        const state = model.get("log");
        logSection.hidden = state === null;
        if (state !== null) log.update(state);
      },
    ],
  ];
  for (const [event, handler] of handlers) {
    handler();
    model.on(event, handler);
  }

  return () => {
    for (const [event, handler] of handlers) model.off(event, handler);
    images.dispose();
    log.dispose();
  };
}

function section(title: string, className: string, content: HTMLElement): HTMLElement {
  return el("section", `rw-section ${className}`, el("h3", "rw-section-title", title), content);
}
