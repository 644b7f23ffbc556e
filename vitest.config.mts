// Unit tests of the frontend (formatting, ticks, chart data, table columns, the live refresh).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["js/**/*.test.ts"],
    environment: "node",
  },
});
