import { describe, expect, it } from "vitest";
import { lastOffset, pageText } from "./pager";

describe("pager", () => {
  it("finds the last page's offset", () => {
    expect(lastOffset(95, 20)).toBe(80);
    expect(lastOffset(100, 20)).toBe(80);
    expect(lastOffset(0, 20)).toBe(0);
  });

  it("says which rows and page are shown", () => {
    expect(pageText({ total: 95, offset: 20, limit: 20, shown: 20 })).toBe(
      "21–40 of 95 · page 2 of 5",
    );
    expect(pageText({ total: 95, offset: 80, limit: 20, shown: 15 })).toBe(
      "81–95 of 95 · page 5 of 5",
    );
    expect(pageText({ total: 0, offset: 0, limit: 20, shown: 0 })).toBe("");
  });
});
