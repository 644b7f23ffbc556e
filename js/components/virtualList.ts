/**
 * A fixed-row-height virtualized list: a spacer as tall as every row together
 * and absolutely placed nodes for the rows in view (plus a few either side),
 * so 10,000 rows cost what 30 do. Nodes are kept by key and refilled only when
 * their row's signature changes, so scrolling moves nodes instead of making them.
 */

import { el } from "./dom";

export interface VirtualListSource {
  count(): number;
  /** A stable identity of row `index` (a run id, an experiment name). */
  key(index: number): string;
  /** Changes whenever what row `index` shows changes. */
  signature(index: number): string;
  render(index: number): HTMLElement;
  /** Rows `first`..`last` (inclusive) are about to be rendered: load what they need. */
  inView?(first: number, last: number): void;
}

const OVERSCAN = 6;

export class VirtualList {
  readonly el: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly nodes = new Map<string, { node: HTMLElement; signature: string }>();
  private frame = 0;

  /**
   * `header`, when given, sits above the rows inside the scroller (a table's
   * sticky column heads, scrolling sideways with the rows).
   */
  constructor(
    private readonly rowHeight: number,
    private readonly source: VirtualListSource,
    private readonly header: HTMLElement | null = null,
  ) {
    this.spacer = el("div", "rw-vl-spacer");
    this.el = el("div", "rw-vl rw-scroll", header, this.spacer);
    this.el.addEventListener("scroll", () => {
      this.schedule();
    });
  }

  /** Re-render on the next frame (coalesces scroll events and data updates). */
  schedule(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** The rows in view now, [first, last] inclusive (empty when last < first). */
  range(): [number, number] {
    const count = this.source.count();
    const height = this.el.clientHeight || this.rowHeight * 20;
    const top = Math.max(0, this.el.scrollTop - (this.header?.offsetHeight ?? 0));
    const first = Math.max(0, Math.floor(top / this.rowHeight));
    const last = Math.min(count - 1, Math.ceil((top + height) / this.rowHeight));
    return [first, last];
  }

  render(): void {
    const count = this.source.count();
    this.spacer.style.height = `${count * this.rowHeight}px`;
    const [first, last] = this.range();
    const from = Math.max(0, first - OVERSCAN);
    const to = Math.min(count - 1, last + OVERSCAN);
    if (to >= from) this.source.inView?.(from, to);
    const seen = new Set<string>();
    for (let i = from; i <= to; i++) {
      const key = this.source.key(i);
      if (seen.has(key)) continue;
      seen.add(key);
      const signature = this.source.signature(i);
      let entry = this.nodes.get(key);
      if (entry === undefined) {
        const node = el("div", "");
        node.style.height = `${this.rowHeight}px`;
        this.spacer.append(node);
        entry = { node, signature: "" };
        this.nodes.set(key, entry);
      }
      if (entry.signature !== signature || entry.node.childNodes.length === 0) {
        fill(entry.node, this.source.render(i));
        entry.signature = signature;
      }
      entry.node.style.transform = `translateY(${i * this.rowHeight}px)`;
    }
    for (const [key, entry] of this.nodes) {
      if (!seen.has(key)) {
        entry.node.remove();
        this.nodes.delete(key);
      }
    }
  }

  dispose(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
  }
}

/**
 * Make `row` look like `rendered` (attributes and children) while staying the
 * same element: a row rebuilt under the pointer or the focus keeps both, so a
 * click that starts before a refresh still lands.
 */
function fill(row: HTMLElement, rendered: HTMLElement): void {
  for (const attr of [...row.attributes]) {
    if (attr.name !== "style") row.removeAttribute(attr.name);
  }
  for (const attr of [...rendered.attributes]) {
    if (attr.name !== "style") row.setAttribute(attr.name, attr.value);
  }
  row.classList.add("rw-vl-row");
  row.replaceChildren(...rendered.childNodes);
}
