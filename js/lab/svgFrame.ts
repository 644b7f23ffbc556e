/**
 * SVG building blocks of the run panel's own charts (model evaluation, AutoML):
 * an element helper and the frame around a plot (grid, ticks, box, axis labels).
 */

import { linearTicks } from "./ticks";

const SVG = "http://www.w3.org/2000/svg";

export type Attrs = Record<string, string | number>;

/** An SVG element with attributes and children (text is added as text, never as markup). */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (SVGElement | string)[]
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  node.append(...children);
  return node;
}

/** The drawing area: the viewBox size and the margins the axes take. */
export interface Box {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
}

/** One axis: its data range, data -> pixel, how many ticks, their text, its label. */
export interface Axis {
  domain: [number, number];
  scale: (v: number) => number;
  ticks: number;
  /** Ticks at whole numbers only (iteration numbers, steps). */
  integer?: boolean;
  format: (v: number) => string;
  label?: string;
}

/** Grid lines with tick labels on both axes, the plot's box and the axis labels. */
export function drawFrame(plot: SVGElement, box: Box, x: Axis, y: Axis): void {
  const [left, right] = [box.margin.left, box.width - box.margin.right];
  const [top, bottom] = [box.margin.top, box.height - box.margin.bottom];
  for (const t of linearTicks(x.domain[0], x.domain[1], x.ticks, x.integer)) {
    const at = x.scale(t);
    plot.append(
      svg("line", { class: "rw-ev-grid", x1: at, x2: at, y1: top, y2: bottom }),
      svg(
        "text",
        { class: "rw-ev-tick", x: at, y: bottom + 14, "text-anchor": "middle" },
        x.format(t),
      ),
    );
  }
  for (const t of linearTicks(y.domain[0], y.domain[1], y.ticks, y.integer)) {
    const at = y.scale(t);
    plot.append(
      svg("line", { class: "rw-ev-grid", x1: left, x2: right, y1: at, y2: at }),
      svg(
        "text",
        { class: "rw-ev-tick", x: left - 5, y: at + 4, "text-anchor": "end" },
        y.format(t),
      ),
    );
  }
  plot.append(
    svg("rect", {
      class: "rw-ev-frame",
      x: left,
      y: top,
      width: right - left,
      height: bottom - top,
    }),
  );
  if (x.label !== undefined) {
    plot.append(
      svg(
        "text",
        { class: "rw-ev-label", x: (left + right) / 2, y: box.height - 6, "text-anchor": "middle" },
        x.label,
      ),
    );
  }
  if (y.label !== undefined) {
    plot.append(
      svg(
        "text",
        {
          class: "rw-ev-label",
          transform: `translate(13 ${(top + bottom) / 2}) rotate(-90)`,
          "text-anchor": "middle",
        },
        y.label,
      ),
    );
  }
}
