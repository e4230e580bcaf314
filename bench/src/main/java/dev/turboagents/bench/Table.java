package dev.turboagents.bench;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table for benchmark output. */
public final class Table {
  private final List<String[]> rows = new ArrayList<>();

  public Table(String... header) {
    rows.add(header);
  }

  public Table row(Object... cells) {
    String[] r = new String[cells.length];
    for (int i = 0; i < cells.length; i++) {
      r[i] = String.valueOf(cells[i]);
    }
    rows.add(r);
    return this;
  }

  public String render() {
    int cols = rows.get(0).length;
    int[] width = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < cols && i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (int n = 0; n < rows.size(); n++) {
      String[] r = rows.get(n);
      out.append('|');
      for (int i = 0; i < cols; i++) {
        String cell = i < r.length ? r[i] : "";
        out.append(' ').append(cell).append(" ".repeat(width[i] - cell.length())).append(" |");
      }
      out.append('\n');
      if (n == 0) {
        out.append('|');
        for (int i = 0; i < cols; i++) {
          out.append("-".repeat(width[i] + 2)).append('|');
        }
        out.append('\n');
      }
    }
    return out.toString();
  }

  public static String fmt(double v) {
    return v >= 100 ? String.format("%.0f", v) : v >= 10 ? String.format("%.1f", v) : String.format("%.2f", v);
  }

  /** The value at quantile q (0..1) of sorted nanosecond samples, in milliseconds. */
  public static double percentileMs(long[] sortedNanos, double q) {
    if (sortedNanos.length == 0) {
      return Double.NaN;
    }
    int index = (int) Math.min(sortedNanos.length - 1, Math.ceil(q * sortedNanos.length) - 1);
    return sortedNanos[Math.max(0, index)] / 1e6;
  }
}
