/**
 * A tiny line chart of one numeric series, drawn with DOM SVG APIs (no chart
 * library): gaps (NaN, inf, missing) break the line, the last point is dotted.
 */

const SVG = "http://www.w3.org/2000/svg";

export interface SparklineSize {
  width: number;
  height: number;
}

export function sparkline(
  x: readonly number[],
  y: readonly (number | null)[],
  size: SparklineSize = { width: 120, height: 28 },
): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "rw-sparkline");
  svg.setAttribute("width", String(size.width));
  svg.setAttribute("height", String(size.height));
  svg.setAttribute("viewBox", `0 0 ${size.width} ${size.height}`);
  svg.setAttribute("role", "img");

  const points = pointsOf(x, y);
  if (points.length === 0) return svg;
  const pad = 2;
  const [x0, x1] = extent(points.map((p) => p[0]));
  const [y0, y1] = extent(points.map((p) => p[1]));
  const sx = (v: number): number =>
    x1 === x0 ? size.width / 2 : pad + ((v - x0) / (x1 - x0)) * (size.width - 2 * pad);
  const sy = (v: number): number =>
    y1 === y0
      ? size.height / 2
      : size.height - pad - ((v - y0) / (y1 - y0)) * (size.height - 2 * pad);

  let d = "";
  let pen = false;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const yi = y[i];
    if (xi === undefined || !isFinite(yi)) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${sx(xi).toFixed(1)},${sy(yi).toFixed(1)}`;
    pen = true;
  }
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", d);
  path.setAttribute("class", "rw-sparkline-line");
  svg.append(path);

  const last = points[points.length - 1];
  if (last !== undefined) {
    const dot = document.createElementNS(SVG, "circle");
    dot.setAttribute("cx", sx(last[0]).toFixed(1));
    dot.setAttribute("cy", sy(last[1]).toFixed(1));
    dot.setAttribute("r", "2");
    dot.setAttribute("class", "rw-sparkline-dot");
    svg.append(dot);
  }
  return svg;
}

function isFinite(value: number | null | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function pointsOf(x: readonly number[], y: readonly (number | null)[]): [number, number][] {
  const points: [number, number][] = [];
  x.forEach((xi, i) => {
    const yi = y[i];
    if (Number.isFinite(xi) && isFinite(yi)) points.push([xi, yi]);
  });
  return points;
}

function extent(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}
