/**
 * What the Lab's uPlot charts share: colours read from JupyterLab's theme
 * variables at each draw (and a redraw when the theme changes), axes with our
 * ticks (ticks.ts) and number format, and one way to create and destroy a plot.
 */

import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatNumber } from "../components/format";
import { TICK_SPACING, axisTicks, paddedRange, tickCount } from "./ticks";
import type { AxisKind } from "./ticks";

export interface ChartSize {
  width: number;
  height: number;
}

/** A chart (or the note shown instead); `destroy` before dropping it. */
export interface ChartView {
  readonly el: HTMLElement;
  destroy(): void;
}

export interface Colours {
  text: string;
  muted: string;
  grid: string;
  axis: string;
  accent: string;
  best: string;
  background: string;
  font: string;
}

/** The theme's colours now (JupyterLab sets them as CSS variables; light and dark differ). */
export function themeColours(): Colours {
  const style = getComputedStyle(document.body);
  const read = (name: string, fallback: string): string =>
    style.getPropertyValue(name).trim() || fallback;
  return {
    text: read("--jp-ui-font-color1", "rgba(0, 0, 0, 0.87)"),
    muted: read("--jp-ui-font-color2", "rgba(0, 0, 0, 0.54)"),
    grid: read("--jp-border-color2", "#e0e0e0"),
    axis: read("--jp-border-color1", "#bdbdbd"),
    accent: read("--jp-brand-color1", "#1976d2"),
    best: read("--jp-warn-color0", "#e65100"),
    background: read("--jp-layout-color0", "#ffffff"),
    font: read("--jp-ui-font-family", "system-ui, sans-serif"),
  };
}

/** Ten distinguishable line colours (Tableau 10), readable on light and dark backgrounds. */
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

/** The colour and dash of line `index`; past ten lines the colours repeat, dashed. */
export function lineStyle(index: number): { color: string; dash: number[] } {
  const color = PALETTE[index % PALETTE.length] ?? "#4e79a7";
  const dashes = [[], [6, 3], [2, 2], [8, 3, 2, 3], [1, 3]];
  return { color, dash: dashes[Math.floor(index / PALETTE.length) % dashes.length] ?? [] };
}

/** Plots on screen, redrawn with the new colours when JupyterLab's theme changes. */
const shown = new Set<uPlot>();
let themeWatch: MutationObserver | null = null;

function watchTheme(plot: uPlot): void {
  shown.add(plot);
  if (themeWatch !== null) return;
  themeWatch = new MutationObserver(() => {
    // The new theme's variables apply on the next frame.
    requestAnimationFrame(() => {
      for (const p of shown) p.redraw(false, true);
    });
  });
  themeWatch.observe(document.body, {
    attributes: true,
    attributeFilter: ["data-jp-theme-name", "data-jp-theme-light"],
  });
}

/** Colours for one plot, read again at each redraw. */
export class Theme {
  colours = themeColours();
  refresh(): void {
    this.colours = themeColours();
  }
}

/**
 * A uPlot chart in `host`, redrawn on theme changes. `destroy` removes it and
 * its listeners; call it before dropping the element.
 */
export function createPlot(
  options: uPlot.Options,
  data: uPlot.AlignedData,
  theme: Theme,
  host: HTMLElement,
): uPlot {
  const hooks = options.hooks ?? {};
  hooks.drawClear = [
    () => {
      theme.refresh();
    },
    ...(hooks.drawClear ?? []),
  ];
  hooks.destroy = [
    (u: uPlot) => {
      shown.delete(u);
    },
    ...(hooks.destroy ?? []),
  ];
  const plot = new uPlot({ ...options, hooks }, data, host);
  watchTheme(plot);
  return plot;
}

export interface AxisSpec {
  scale: "x" | "y";
  label: string;
  kind: AxisKind;
  /** Gets the tick labels each time the axis is drawn (tests read them back). */
  drawn?: (labels: string[]) => void;
}

const FONT_SIZE = 11;

/** An axis with our ticks (limited to the room there is), labels and theme colours. */
export function axis(spec: AxisSpec, theme: Theme): uPlot.Axis {
  const horizontal = spec.scale === "x";
  const font = (): string => `${FONT_SIZE}px ${theme.colours.font}`;
  const style: uPlot.Axis = {
    scale: spec.scale,
    label: spec.kind.log ? `${spec.label} (log)` : spec.label,
    font: font(),
    labelFont: `600 12px ${theme.colours.font}`,
    labelSize: 22,
    stroke: () => theme.colours.muted,
    grid: { stroke: () => theme.colours.grid, width: 1 },
    ticks: { stroke: () => theme.colours.axis, width: 1, size: 4 },
    space: horizontal ? TICK_SPACING.x : TICK_SPACING.y,
  };
  // Times: uPlot's own ticks (whole minutes, hours, days) and date labels.
  if (spec.kind.time === true) return { ...style, size: horizontal ? 44 : 84 };
  return {
    ...style,
    splits: (u, _axisIdx, min, max) => {
      const pixels = horizontal ? plotSize(u).width : plotSize(u).height;
      const most = tickCount(pixels, horizontal ? TICK_SPACING.x : TICK_SPACING.y);
      return axisTicks(min, max, most, spec.kind);
    },
    // Our splits are already the ones to label (uPlot would thin log decades out).
    filter: (_u, splits) => splits,
    values: (_u, splits) => {
      const labels = splits.map((v) => formatNumber(v));
      spec.drawn?.(labels);
      return labels;
    },
    size: horizontal
      ? 34
      : (u, values: string[] | null) => {
          const ctx = u.ctx;
          ctx.save();
          ctx.font = font();
          const widest = Math.max(0, ...(values ?? []).map((v) => ctx.measureText(v).width));
          ctx.restore();
          return Math.ceil(widest) + 14;
        },
  };
}

/** A scale for an axis of this kind: linear, log10 or time, over our padded range. */
export function scale(kind: AxisKind): uPlot.Scale {
  return {
    time: kind.time === true,
    distr: distribution(kind.log),
    range: (_u, lo, hi) => paddedRange(lo, hi, kind),
  };
}

/** uPlot's scale distribution: linear, or log10. */
function distribution(log: boolean): uPlot.Scale.Distr {
  // uPlot declares Distr as an ambient const enum, which isolated modules cannot name.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
  return log ? 3 : 1;
}

/** The plotting area in CSS pixels (an estimate before the first layout). */
function plotSize(u: uPlot): { width: number; height: number } {
  const ratio = uPlot.pxRatio || 1;
  const box = u.bbox;
  return {
    width: box.width > 0 ? box.width / ratio : Math.max(100, u.width - 80),
    height: box.height > 0 ? box.height / ratio : Math.max(60, u.height - 60),
  };
}

/** Record tick labels on `node` as data-<name>="a|b|c" (tests and tooling read them). */
export function recordTicks(node: HTMLElement, name: string): (labels: string[]) => void {
  return (labels) => {
    node.dataset[name] = labels.join("|");
  };
}
