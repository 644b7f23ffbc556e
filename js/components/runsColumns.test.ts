import { describe, expect, it } from "vitest";
import { CHECK_WIDTH, cellText, columnWidth, gridTemplate, nextSort } from "./runsColumns";
import type { RunsTableRow } from "./runsColumns";

const row: RunsTableRow = {
  id: "exp_1_abc",
  number: 7,
  status: "Running",
  display_name: null,
  created_time: 1000,
  start_time: 1000,
  end_time: null,
  values: { "metric:mse": 0.123456789, "tag:kind": "sweep" },
};

describe("nextSort", () => {
  it("flips the direction of the sorted column", () => {
    expect(nextSort({ sort: "metric:mse", descending: false }, "metric:mse")).toEqual({
      sort: "metric:mse",
      descending: true,
    });
  });

  it("sorts a new column ascending, but newest, longest and highest number first", () => {
    const current = { sort: "number", descending: true };
    expect(nextSort(current, "metric:mse").descending).toBe(false);
    expect(nextSort(current, "created_time").descending).toBe(true);
    expect(nextSort(current, "duration").descending).toBe(true);
    expect(nextSort({ sort: "status", descending: false }, "number").descending).toBe(true);
  });

  it("never guesses a direction from a metric's name", () => {
    const current = { sort: "number", descending: true };
    for (const key of ["metric:accuracy", "metric:mape", "metric:f1_score"])
      expect(nextSort(current, key).descending).toBe(false);
  });
});

describe("gridTemplate", () => {
  it("gives the name column the room left and adds up the least width", () => {
    const { template, width } = gridTemplate([{ key: "number" }, { key: "display_name" }]);
    expect(template).toBe(`${CHECK_WIDTH}px 72px minmax(150px, 1fr)`);
    expect(width).toBe(CHECK_WIDTH + 72 + 150);
  });
});

describe("cellText", () => {
  it("shows run fields and values", () => {
    expect(cellText(row, "number")).toBe("#7");
    expect(cellText(row, "display_name")).toBe("exp_1_abc");
    expect(cellText(row, "metric:mse")).toBe("0.123457");
    expect(cellText(row, "tag:kind")).toBe("sweep");
    expect(cellText(row, "property:missing")).toBe("—");
  });

  it("counts a running run's duration to now", () => {
    expect(cellText(row, "duration", 1065)).toBe("1m 05s");
  });
});

describe("columnWidth", () => {
  it("fits a value column's heading, within bounds", () => {
    expect(columnWidth({ key: "metric:mse", label: "mse" })).toBe(110);
    const long = columnWidth({ key: "metric:mse", label: "mse (best logged value)" });
    expect(long).toBeGreaterThan(110);
    expect(long).toBeLessThanOrEqual(200);
    expect(columnWidth({ key: "number", label: "a very long heading of the run number" })).toBe(72);
  });
});
