import { describe, expect, it } from "vitest";
import {
  EMPTY,
  durationOf,
  formatCell,
  formatDuration,
  formatNumber,
  formatShortTimestamp,
  formatTimestamp,
  isNumeric,
} from "./format";

/** Epoch seconds of a local date and time (the formatters show local time). */
function local(...parts: [number, number, number, number, number, number]): number {
  return new Date(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5]).getTime() / 1000;
}

describe("formatDuration", () => {
  it("shows seconds, minutes, hours and days", () => {
    expect(formatDuration(12)).toBe("12s");
    expect(formatDuration(245)).toBe("4m 05s");
    expect(formatDuration(2 * 3600 + 3 * 60 + 10)).toBe("2h 03m 10s");
    expect(formatDuration(3 * 86400 + 4 * 3600 + 2 * 60)).toBe("3d 4h 02m");
  });

  it("clamps clock skew to zero and shows a dash for nothing", () => {
    expect(formatDuration(-2.5)).toBe("0s");
    expect(formatDuration(null)).toBe(EMPTY);
    expect(formatDuration(NaN)).toBe(EMPTY);
  });
});

describe("timestamps", () => {
  it("formats local time", () => {
    expect(formatTimestamp(local(2024, 1, 2, 3, 4, 5))).toBe("2024-01-02 03:04:05");
    expect(formatTimestamp(null)).toBe(EMPTY);
  });

  it("drops the date of today, and the seconds of other days", () => {
    const today = new Date(2024, 0, 2, 12, 0, 0);
    expect(formatShortTimestamp(local(2024, 1, 2, 3, 4, 5), today)).toBe("03:04:05");
    expect(formatShortTimestamp(local(2023, 12, 31, 23, 59, 1), today)).toBe("2023-12-31 23:59");
  });
});

describe("formatNumber", () => {
  it("keeps whole numbers and six significant digits", () => {
    expect(formatNumber(42)).toBe("42");
    expect(formatNumber(0.123456789)).toBe("0.123457");
    expect(formatNumber(-1.5)).toBe("-1.5");
  });

  it("uses exponents for very large and very small values", () => {
    expect(formatNumber(1.5e-7)).toBe("1.5e-7");
    expect(formatNumber(2.5e12)).toBe("2500000000000");
    expect(formatNumber(2.5e15)).toBe("2.5e+15");
    expect(formatNumber(Infinity)).toBe("Infinity");
  });
});

describe("cells", () => {
  it("formats every cell type", () => {
    expect(formatCell(null)).toBe(EMPTY);
    expect(formatCell(undefined)).toBe(EMPTY);
    expect(formatCell(true)).toBe("true");
    expect(formatCell(0.5)).toBe("0.5");
    expect(formatCell("<b>x</b>")).toBe("<b>x</b>");
  });

  it("calls a column numeric when its values are numbers or missing", () => {
    expect(isNumeric([1, null, 2.5])).toBe(true);
    expect(isNumeric([1, "a"])).toBe(false);
    expect(isNumeric([null, undefined])).toBe(false);
  });
});

describe("durationOf", () => {
  it("runs to the end, or to now while the run goes on", () => {
    expect(durationOf({ start_time: 100, end_time: 160 })).toBe(60);
    expect(durationOf({ start_time: 100, end_time: null }, 130)).toBe(30);
    expect(durationOf({ start_time: null, end_time: null })).toBeNull();
  });
});
