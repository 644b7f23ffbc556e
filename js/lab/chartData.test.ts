import { describe, expect, it } from "vitest";
import type { RunSeries, ScatterPoint } from "./api";
import { nearestPoint, plottedSeries, pointCount, scatterData, spansDecades } from "./chartData";

function point(number: number, x: number | null, y: number | null): ScatterPoint {
  return {
    id: `r${number}`,
    number,
    status: "Completed",
    display_name: null,
    x,
    y,
    trial_label: null,
  };
}

describe("scatterData", () => {
  const points = [point(1, 3, 0.5), point(2, 1, null), point(3, 0, 0.2), point(4, 1, 0.9)];

  it("keeps the drawable points in ascending x, run number breaking a tie", () => {
    const data = scatterData([...points, point(5, 1, 0.1)], false, false);
    expect(data.points.map((p) => p.number)).toEqual([3, 4, 5, 1]);
    expect(data.missing).toBe(1);
  });

  it("leaves out what a log axis cannot show", () => {
    const data = scatterData(points, true, false);
    expect(data.points.map((p) => p.number)).toEqual([4, 1]);
    expect(data.missing).toBe(2);
  });
});

describe("overlay series", () => {
  const series: RunSeries = {
    id: "r1",
    number: 1,
    display_name: null,
    count: 4,
    x: [0, 1, 2, 3],
    y: [1, null, 0, 2],
    trial_label: null,
  };

  it("breaks the line where a value is missing, or not positive on a log axis", () => {
    expect(plottedSeries(series, false)).toEqual([
      [0, 1, 2, 3],
      [1, null, 0, 2],
    ]);
    expect(plottedSeries(series, true)[1]).toEqual([1, null, null, 2]);
  });

  it("counts drawn values", () => {
    expect(pointCount([1, null, undefined, 0])).toBe(2);
  });
});

describe("spansDecades", () => {
  it("is true for positive x values three decades apart", () => {
    expect(spansDecades([0.001, 0.1, 1])).toBe(true);
    expect(spansDecades([0.001, 1])).toBe(false);
    expect(spansDecades([1, 2, 900])).toBe(false);
    expect(spansDecades([0, 0.001, 10])).toBe(false);
  });
});

describe("nearestPoint", () => {
  const px = [10, 50, 52, 200];
  const py = [10, 50, 50, 200];

  it("finds the nearest point within the radius", () => {
    expect(nearestPoint(px, py, 53, 51, 12)).toBe(2);
    expect(nearestPoint(px, py, 100, 100, 12)).toBe(-1);
  });

  it("prefers the earlier of equally near points", () => {
    expect(nearestPoint(px, py, 51, 50, 12)).toBe(1);
  });
});
