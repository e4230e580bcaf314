package dev.turboagents.actors.tools.review;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * lcov's tracefile (geninfo(1)): records of {@code KEY:value} lines, one per source file, from
 * {@code SF:<path>} to {@code end_of_record}; {@code DA:<line>,<hits>[,<checksum>]} gives a line's
 * hits. Other keys (TN, FN, FNDA, BRDA, LF, LH ...) are read past. A DA outside a record, a record
 * without its end, or a DA that is not two numbers is an error naming the line.
 */
public final class LcovReport {
  private LcovReport() {}

  public static CoverageReport read(Path file) throws IOException, CoverageReportException {
    Map<String, FileCoverage> files = new LinkedHashMap<>();
    String current = null;
    TreeMap<Integer, Boolean> lines = new TreeMap<>();
    int number = 0;
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String raw = reader.readLine(); raw != null; raw = reader.readLine()) {
        number++;
        String line = raw.strip();
        if (line.isEmpty()) {
          continue;
        }
        if (line.equals("end_of_record")) {
          if (current == null) {
            throw new CoverageReportException(file + ":" + number + ": end_of_record without SF");
          }
          files.merge(current, new FileCoverage(current, lines), FileCoverage::merge);
          current = null;
          lines = new TreeMap<>();
          continue;
        }
        int colon = line.indexOf(':');
        if (colon < 0) {
          throw new CoverageReportException(file + ":" + number + ": not a KEY:value line of a tracefile: " + line);
        }
        String key = line.substring(0, colon);
        String value = line.substring(colon + 1);
        if (key.equals("SF")) {
          if (current != null) {
            throw new CoverageReportException(file + ":" + number + ": SF inside the record of " + current + " (no end_of_record)");
          }
          current = value;
        } else if (key.equals("DA")) {
          if (current == null) {
            throw new CoverageReportException(file + ":" + number + ": DA outside a record (no SF before it)");
          }
          String[] fields = value.split(",");
          if (fields.length < 2) {
            throw new CoverageReportException(file + ":" + number + ": DA needs <line>,<hits>, was " + value);
          }
          try {
            lines.merge(Integer.parseInt(fields[0].strip()), Long.parseLong(fields[1].strip()) > 0, Boolean::logicalOr);
          } catch (NumberFormatException e) {
            throw new CoverageReportException(file + ":" + number + ": DA needs whole numbers, was " + value);
          }
        }
      }
    }
    if (current != null) {
      throw new CoverageReportException(file + ": the record of " + current + " has no end_of_record");
    }
    return new CoverageReport(CoverageFormat.LCOV, List.copyOf(files.values()));
  }
}
