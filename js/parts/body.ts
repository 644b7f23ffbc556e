/**
 * The body part: child runs, logged tables, images and the log tail, each in a
 * section that is hidden while it has nothing to show and updated only when
 * its own trait changes.
 */

import type { AnyModel } from "@anywidget/types";
import type { BodyTraits, ImageGroup, ImageItem, ImageMessage, OutgoingMessage } from "../wire";
import { createChildTable } from "../components/childTable";
import { el, widgetRoot } from "../components/dom";
import { IMAGE_TYPES, createImageGallery } from "../components/imageGallery";
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
    compare: () => {
      send({ type: "compare_children" });
    },
  });
  const tables = createTablesView();
  const imageBytes = createImageBytes(send);
  const images = createImageGallery(imageBytes);
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
        imageBytes.ask(state);
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
  const onMessage = (msg: unknown, buffers: DataView[] = []): void => {
    if (imageBytes.receive(msg, buffers)) images.update(model.get("images"));
  };
  model.on("msg:custom", onMessage);

  return () => {
    for (const [event, handler] of handlers) model.off(event, handler);
    model.off("msg:custom", onMessage);
    images.dispose();
    imageBytes.dispose();
    log.dispose();
  };
}

/** This view's image bytes: object URLs made from `image` messages, asked for by key. */
function createImageBytes(send: (msg: OutgoingMessage) => void) {
  const urls = new Map<string, string>();
  const asked = new Set<string>();
  return {
    url: (item: ImageItem): string | null => urls.get(item.key) ?? null,
    /** Ask once for the images on show whose bytes this view has not got. */
    ask(groups: readonly ImageGroup[]): void {
      const keys = groups
        .flatMap((g) => g.items.filter((i) => IMAGE_TYPES.has(i.type)).map((i) => i.key))
        .filter((k) => !urls.has(k) && !asked.has(k));
      for (const key of keys) asked.add(key);
      if (keys.length > 0) send({ type: "want_images", keys });
    },
    /** Keep the bytes of an `image` message; true when it was one. */
    receive(msg: unknown, buffers: readonly DataView[]): boolean {
      const m = msg as Partial<ImageMessage> | null;
      const data = buffers[0];
      if (m?.type !== "image" || typeof m.key !== "string" || data === undefined) return false;
      if (typeof m.mime !== "string" || !IMAGE_TYPES.has(m.mime)) return false;
      const old = urls.get(m.key);
      if (old !== undefined) URL.revokeObjectURL(old);
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
      urls.set(m.key, URL.createObjectURL(new Blob([bytes], { type: m.mime })));
      return true;
    },
    dispose(): void {
      for (const url of urls.values()) URL.revokeObjectURL(url);
      urls.clear();
    },
  };
}

function section(title: string, className: string, content: HTMLElement): HTMLElement {
  return el("section", `rw-section ${className}`, el("h3", "rw-section-title", title), content);
}
