// Unit tests of the frontend's pure functions (formatting, ticks, chart data, table columns).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["js/**/*.test.ts"],
    environment: "node",
  },
});
