import { describe, expect, it } from "vitest";
import type { EvaluationSeries } from "./api";
import { cellColour, domain, scale } from "./evaluationMath";

function series(partial: Partial<EvaluationSeries>): EvaluationSeries {
  return { label: "s", style: "line", x: [], y: [], error: null, tips: [], ...partial };
}

describe("evaluation chart arithmetic", () => {
  it("maps a domain onto pixels, flipped for y", () => {
    const y = scale(0, 1, 250, 10);
    expect(y(0)).toBe(250);
    expect(y(1)).toBe(10);
    expect(y(0.5)).toBe(130);
  });

  it("keeps a fixed domain and pads a free one", () => {
    expect(domain([0, 1], [series({ x: [5], y: [5] })], "x")).toEqual([0, 1]);
    const [lo, hi] = domain(null, [series({ x: [10, 20], y: [1, 2] })], "x");
    expect(lo).toBeCloseTo(9.6);
    expect(hi).toBeCloseTo(20.4);
  });

  it("includes error bars, and starts histograms at zero", () => {
    const withErrors = series({ style: "errorbars", x: [1], y: [5], error: [2] });
    const [lo, hi] = domain(null, [withErrors], "y");
    expect(lo).toBeLessThan(3);
    expect(hi).toBeGreaterThan(7);
    const bars = series({ style: "bars", x: [0, 1, 2], y: [3, 9] });
    expect(domain(null, [bars], "y")[0]).toBe(0);
  });

  it("an empty chart still has a range", () => {
    expect(domain(null, [series({ x: [null], y: [null] })], "y")).toEqual([0, 1]);
  });

  it("colours cells from pale to deep blue, clamped", () => {
    expect(cellColour(0)).toBe("rgb(239, 243, 255)");
    expect(cellColour(1)).toBe("rgb(8, 69, 148)");
    expect(cellColour(2)).toBe(cellColour(1));
  });
});
