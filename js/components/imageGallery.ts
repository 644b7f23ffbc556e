/**
 * Logged images: one thumbnail card per image name, a step slider when the name
 * was logged more than once, and a full-size view in a modal <dialog> (the top
 * layer, so notebook scrolling and transforms cannot clip it).
 */

import type { ImageGroup, ImageItem } from "../wire";
import { el, syncChildren } from "./dom";

/** The media types an image may have; anything else is shown as unsupported. */
export const IMAGE_TYPES = new Set(["image/png", "image/jpeg"]);

/**
 * The images' bytes, kept as object URLs by key: they arrive as binary messages
 * (`ImageMessage`), apart from the JSON state that names them.
 */
export interface ImageStore {
  /** The URL to show for `item`, or null while its bytes have not arrived. */
  url(item: ImageItem): string | null;
}

/** `src` when it is an object URL made here (`blob:`), else null: no other URL is loaded. */
export function safeImageSrc(src: string): string | null {
  return src.startsWith("blob:") ? src : null;
}

interface Card {
  readonly el: HTMLElement;
  update(items: readonly ImageItem[]): void;
}

export interface ImageGallery {
  readonly el: HTMLElement;
  update(groups: readonly ImageGroup[]): void;
  dispose(): void;
}

export function createImageGallery(store: ImageStore): ImageGallery {
  const grid = el("div", "rw-gallery");
  const viewer = createViewer();
  const root = el("div", "", grid, viewer.el);
  let cards = new Map<string, Card>();

  function update(groups: readonly ImageGroup[]): void {
    const next = new Map<string, Card>();
    for (const group of groups) {
      const card = cards.get(group.name) ?? createCard(group.name, viewer.open, store);
      card.update(group.items);
      next.set(group.name, card);
    }
    cards = next;
    syncChildren(
      grid,
      [...next.values()].map((c) => c.el),
    );
  }

  return { el: root, update, dispose: viewer.close };
}

function createCard(
  name: string,
  open: (src: string, caption: string) => void,
  store: ImageStore,
): Card {
  const img = el("img", "rw-thumb-img");
  img.alt = name;
  const missing = el("span", "rw-muted", "unsupported image");
  const thumb = el("button", "rw-thumb", img, missing);
  thumb.type = "button";
  thumb.title = "Open full size";
  const stepLabel = el("span", "rw-note");
  const slider = el("input", "rw-slider");
  slider.type = "range";
  slider.min = "0";
  slider.step = "1";
  slider.setAttribute("aria-label", `${name} step`);
  const sliderRow = el("label", "rw-step-row", slider);
  const card = el(
    "figure",
    "rw-image-card",
    el("figcaption", "rw-block-title", el("span", "rw-block-name", name), stepLabel),
    thumb,
    sliderRow,
  );

  let items: readonly ImageItem[] = [];
  let index = -1;

  function show(): void {
    const item = items[index];
    stepLabel.textContent = item === undefined ? "" : `step ${item.step}`;
    const supported = item !== undefined && IMAGE_TYPES.has(item.type);
    const url = supported ? store.url(item) : null;
    const src = url === null ? null : safeImageSrc(url);
    if (src === null) img.removeAttribute("src");
    else if (img.getAttribute("src") !== src) img.src = src;
    img.hidden = src === null;
    missing.hidden = supported || item === undefined;
    slider.value = String(index);
  }

  slider.addEventListener("input", () => {
    index = Number(slider.value);
    show();
  });
  thumb.addEventListener("click", () => {
    const src = img.getAttribute("src");
    if (src !== null) open(src, `${name} · ${stepLabel.textContent}`);
  });

  function update(next: readonly ImageItem[]): void {
    // Follow the newest step unless the user picked an older one.
    const followLatest = index === items.length - 1;
    const step = items[index]?.step;
    items = next;
    const kept = items.findIndex((item) => item.step === step);
    index = followLatest || kept < 0 ? items.length - 1 : kept;
    slider.max = String(Math.max(0, items.length - 1));
    sliderRow.hidden = items.length < 2;
    show();
  }

  return { el: card, update };
}

interface Viewer {
  readonly el: HTMLDialogElement;
  open: (src: string, caption: string) => void;
  close: () => void;
}

function createViewer(): Viewer {
  const img = el("img", "rw-viewer-img");
  const caption = el("div", "rw-viewer-caption");
  const dialog = el("dialog", "rw-root rw-viewer", img, caption);
  dialog.setAttribute("aria-label", "Image");

  const close = (): void => {
    if (dialog.open) dialog.close();
  };
  // Any click closes, on the image or the backdrop (the backdrop targets the dialog).
  dialog.addEventListener("click", close);
  // Handled here too because a notebook's own Escape handling may swallow the key.
  dialog.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });

  function open(src: string, text: string): void {
    const safe = safeImageSrc(src);
    if (safe === null) return;
    img.src = safe;
    img.alt = text;
    caption.textContent = text;
    if (!dialog.open) dialog.showModal();
  }

  return { el: dialog, open, close };
}
