/**
 * First/previous/next/last buttons and "21–40 of 95 · page 2 of 5" for a list
 * paged by offset and limit where its rows come from.
 */

import { button, el } from "./dom";

export interface PageState {
  total: number;
  offset: number;
  limit: number;
  /** Rows on this page. */
  shown: number;
}

export interface Pager {
  readonly el: HTMLElement;
  update(state: PageState): void;
}

/** The offset of the last page. */
export function lastOffset(total: number, limit: number): number {
  const size = Math.max(1, limit);
  return Math.max(0, Math.ceil(total / size) - 1) * size;
}

/** "21–40 of 95 · page 2 of 5" ("" with no rows). */
export function pageText(state: PageState): string {
  if (state.total === 0) return "";
  const size = Math.max(1, state.limit);
  const page = Math.floor(state.offset / size) + 1;
  const pages = Math.floor(lastOffset(state.total, size) / size) + 1;
  return `${state.offset + 1}–${state.offset + state.shown} of ${state.total} · page ${page} of ${pages}`;
}

export function createPager(toOffset: (offset: number) => void): Pager {
  let state: PageState = { total: 0, offset: 0, limit: 1, shown: 0 };
  const go = (offset: number): void => {
    toOffset(Math.max(0, offset));
  };
  const first = pagerButton("«", "First page", () => {
    go(0);
  });
  const prev = pagerButton("‹", "Previous page", () => {
    go(state.offset - state.limit);
  });
  const following = pagerButton("›", "Next page", () => {
    go(state.offset + state.limit);
  });
  const last = pagerButton("»", "Last page", () => {
    go(lastOffset(state.total, state.limit));
  });
  const range = el("span", "rw-note rw-pager-range");
  const root = el("div", "rw-pager", first, prev, range, following, last);

  function update(shown: PageState): void {
    state = shown;
    range.textContent = pageText(state);
    first.disabled = prev.disabled = state.offset <= 0;
    following.disabled = last.disabled = state.offset + state.limit >= state.total;
    root.hidden = state.total <= state.limit && state.offset === 0;
  }

  return { el: root, update };
}

function pagerButton(label: string, title: string, onClick: () => void): HTMLButtonElement {
  const node = button("rw-button rw-pager-button", label, onClick);
  node.title = title;
  node.setAttribute("aria-label", title);
  return node;
}
