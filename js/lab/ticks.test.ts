import { describe, expect, it } from "vitest";
import {
  axisTicks,
  extent,
  linearTicks,
  logTicks,
  niceStep,
  paddedRange,
  tickCount,
  wholeNumbers,
} from "./ticks";

describe("niceStep", () => {
  it("rounds up to 1, 2 or 5 times a power of ten", () => {
    expect(niceStep(0.13)).toBe(0.2);
    expect(niceStep(3)).toBe(5);
    expect(niceStep(7)).toBe(10);
    expect(niceStep(20)).toBe(20);
  });

  it("is a whole number on a whole-number axis", () => {
    expect(niceStep(0.3, true)).toBe(1);
    expect(niceStep(1.2, true)).toBe(2);
  });
});

describe("linearTicks", () => {
  it("gives round values inside the range", () => {
    expect(linearTicks(0.1, 5.9, 6)).toEqual([1, 2, 3, 4, 5]);
    expect(linearTicks(-0.02, 0.41, 5)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
  });

  it("never gives more than asked for", () => {
    for (const most of [2, 3, 4, 5, 6, 8, 10]) {
      for (const [lo, hi] of [
        [0, 1],
        [0.37, 912.5],
        [-3, 1e6],
        [1e-9, 3e-9],
      ] as const) {
        expect(linearTicks(lo, hi, most).length).toBeLessThanOrEqual(most);
        expect(linearTicks(lo, hi, most).length).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it("puts no half steps on a whole-number axis", () => {
    expect(linearTicks(0.9, 3.1, 8, true)).toEqual([1, 2, 3]);
    expect(linearTicks(0, 2, 10, true)).toEqual([0, 1, 2]);
    expect(linearTicks(0.9, 3.1, 8, false)).toContain(1.5);
  });

  it("has no floating point noise", () => {
    expect(linearTicks(0.1, 0.7, 7)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
  });
});

describe("logTicks", () => {
  it("gives the decades of a range several decades wide", () => {
    expect(logTicks(0.0007, 14, 6)).toEqual([0.001, 0.01, 0.1, 1, 10]);
  });

  it("thins decades out when there is no room for all", () => {
    expect(logTicks(1e-6, 1e6, 4)).toEqual([1e-6, 1e-2, 1e2, 1e6]);
  });

  it("adds 2 and 5 between decades when there is room", () => {
    expect(logTicks(1, 100, 10)).toEqual([1, 2, 5, 10, 20, 50, 100]);
  });

  it("falls back to round values within less than two decades", () => {
    expect(logTicks(0.3, 0.9, 4)).toEqual([0.4, 0.6, 0.8]);
  });
});

describe("paddedRange", () => {
  const linear = { log: false, integer: false };
  const whole = { log: false, integer: true };

  it("pads 5% either side", () => {
    expect(paddedRange(0, 10, linear)).toEqual([-0.5, 10.5]);
  });

  it("gives one whole step either side of a single whole number (one run)", () => {
    const [lo, hi] = paddedRange(1, 1, whole);
    expect([lo, hi]).toEqual([0, 2]);
    expect(axisTicks(lo, hi, 6, whole)).toEqual([0, 1, 2]);
  });

  it("gives a constant value a window of its own order of magnitude", () => {
    const [lo, hi] = paddedRange(0.4375, 0.4375, linear);
    expect(lo).toBeCloseTo(0.3375);
    expect(hi).toBeCloseTo(0.5375);
    expect(paddedRange(0, 0, linear)).toEqual([-1, 1]);
    expect(paddedRange(250, 250, linear)).toEqual([150, 350]);
  });

  it("gives a constant value a decade either side on a log axis", () => {
    const [lo, hi] = paddedRange(0.01, 0.01, { log: true, integer: false });
    expect(lo).toBeCloseTo(0.001);
    expect(hi).toBeCloseTo(0.1);
  });
});

describe("helpers", () => {
  it("tickCount leaves room between labels, two at least", () => {
    expect(tickCount(400, 80)).toBe(5);
    expect(tickCount(50, 80)).toBe(2);
  });

  it("extent skips what an axis cannot show", () => {
    expect(extent([3, null, NaN, -1, Infinity, 8])).toEqual([-1, 8]);
    expect(extent([3, -1, 0, 8], true)).toEqual([3, 8]);
    expect(extent([null, NaN])).toBeNull();
  });

  it("wholeNumbers tells step and run-number axes", () => {
    expect(wholeNumbers([1, 2, null, 3])).toBe(true);
    expect(wholeNumbers([1, 2.5])).toBe(false);
    expect(wholeNumbers([null])).toBe(false);
  });
});
