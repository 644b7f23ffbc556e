/**
 * What the dashboard's charts share, drawn with DOM SVG APIs (no chart
 * library): an SVG element factory, linear and log scales with readable
 * ticks, and a plot frame with both axes, grid lines and axis labels.
 */

import { formatNumber } from "../components/format";

const SVG = "http://www.w3.org/2000/svg";

export type Attrs = Record<string, string | number>;

/** An SVG element; text children are always text nodes. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string)[]
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

export interface Scale {
  /** Data value to pixels. */
  (value: number): number;
  ticks: number[];
  log: boolean;
}

/** [min, max] of the finite values (log: of the positive ones); null when there are none. */
export function extent(values: Iterable<number>, log = false): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** Map `domain` onto pixels `[from, to]` with about `count` round ticks. */
export function scale(domain: [number, number], range: [number, number], log = false): Scale {
  let [lo, hi] = domain;
  if (log) {
    lo = Math.log10(lo);
    hi = Math.log10(hi);
  }
  if (lo === hi) {
    // One value: centre it in a small window around itself.
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  } else {
    const pad = (hi - lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  const [from, to] = range;
  const at = (v: number): number =>
    from + (((log ? Math.log10(v) : v) - lo) / (hi - lo)) * (to - from);
  const ticks = log ? logTicks(lo, hi) : niceTicks(lo, hi, 6);
  return Object.assign(at, { ticks, log });
}

/** Round numbers (1, 2 or 5 times a power of ten apart) within [lo, hi]. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

/** Powers of ten in a log10 window, or round values in it when it spans less than a decade. */
function logTicks(lo: number, hi: number): number[] {
  const decades: number[] = [];
  for (let p = Math.ceil(lo); p <= Math.floor(hi); p++) decades.push(Math.pow(10, p));
  if (decades.length >= 2) return decades;
  return niceTicks(Math.pow(10, lo), Math.pow(10, hi), 4).filter((t) => t > 0);
}

export interface Frame {
  readonly root: SVGSVGElement;
  readonly x: Scale;
  readonly y: Scale;
  /** Where the chart's marks go (drawn over the grid). */
  readonly marks: SVGGElement;
}

export interface Axis {
  domain: [number, number];
  label: string;
  log?: boolean;
  /** Every value is a whole number (run numbers, steps): no ticks in between. */
  integer?: boolean;
}

export interface FrameOptions {
  width: number;
  height: number;
  x: Axis;
  y: Axis;
  className: string;
}

const MARGIN = { top: 14, right: 18, bottom: 46, left: 70 };

/** An SVG with both axes (ticks, tick labels, grid, axis labels) ready for marks. */
export function frame(options: FrameOptions): Frame {
  const { width, height } = options;
  const left = MARGIN.left;
  const right = width - MARGIN.right;
  const top = MARGIN.top;
  const bottom = height - MARGIN.bottom;
  const x = scale(options.x.domain, [left, right], options.x.log === true);
  const y = scale(options.y.domain, [bottom, top], options.y.log === true);
  for (const [s, axis] of [
    [x, options.x],
    [y, options.y],
  ] as const) {
    const whole = s.ticks.filter((t) => Number.isInteger(t));
    if (axis.integer === true && whole.length >= 2) s.ticks = whole;
  }
  const root = svg("svg", {
    class: `rw-db-chart ${options.className}`,
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
  });
  const grid = svg("g", { class: "rw-db-grid" });
  const axes = svg("g", { class: "rw-db-axes" });
  for (const t of x.ticks) {
    const px = x(t);
    if (px < left - 0.5 || px > right + 0.5) continue;
    grid.append(svg("line", { x1: px, x2: px, y1: top, y2: bottom }));
    axes.append(
      svg("line", { x1: px, x2: px, y1: bottom, y2: bottom + 4 }),
      svg("text", { x: px, y: bottom + 16, "text-anchor": "middle" }, formatNumber(t)),
    );
  }
  for (const t of y.ticks) {
    const py = y(t);
    if (py < top - 0.5 || py > bottom + 0.5) continue;
    grid.append(svg("line", { x1: left, x2: right, y1: py, y2: py }));
    axes.append(
      svg("line", { x1: left - 4, x2: left, y1: py, y2: py }),
      svg("text", { x: left - 7, y: py + 4, "text-anchor": "end" }, formatNumber(t)),
    );
  }
  axes.append(
    svg("line", { x1: left, x2: right, y1: bottom, y2: bottom, class: "rw-db-axis" }),
    svg("line", { x1: left, x2: left, y1: top, y2: bottom, class: "rw-db-axis" }),
    svg(
      "text",
      { x: (left + right) / 2, y: height - 8, "text-anchor": "middle", class: "rw-db-axis-label" },
      axisLabel(options.x.label, x.log),
    ),
    svg(
      "text",
      {
        x: -(top + bottom) / 2,
        y: 14,
        transform: "rotate(-90)",
        "text-anchor": "middle",
        class: "rw-db-axis-label",
      },
      axisLabel(options.y.label, y.log),
    ),
  );
  const marks = svg("g", { class: "rw-db-marks" });
  root.append(grid, axes, marks);
  return { root, x, y, marks };
}

function axisLabel(label: string, log: boolean): string {
  return log ? `${label} (log)` : label;
}

/** Ten distinguishable line colours (Tableau 10), repeated with dashes past ten. */
export const PALETTE: readonly string[] = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

export function lineStyle(index: number): { color: string; dash: string } {
  const color = PALETTE[index % PALETTE.length] ?? "#4e79a7";
  const dash = ["", "6 3", "2 2", "8 3 2 3", "1 3"][Math.floor(index / PALETTE.length) % 5] ?? "";
  return { color, dash };
}
