package dev.turboagents.actors.tools.review;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.w3c.dom.Element;

/**
 * Cobertura's XML report (coverage-04.dtd, also what coverage.py, gcovr and Istanbul write):
 * {@code coverage > packages > package > classes > class[filename] > lines > line[number, hits]}. A
 * file with several classes is merged into one entry; a line with hits &gt; 0 is covered.
 */
public final class CoberturaReport {
  private CoberturaReport() {}

  public static CoverageReport read(Path file) throws IOException, CoverageReportException {
    Element root = SafeXml.parse(file).getDocumentElement();
    if (!"coverage".equals(root.getTagName())) {
      throw new CoverageReportException(file + " is not a Cobertura report: its root is <" + root.getTagName() + ">, not <coverage>");
    }
    Map<String, FileCoverage> files = new LinkedHashMap<>();
    for (Element type : XmlElements.descendants(root, "class")) {
      String path = type.getAttribute("filename");
      if (path.isEmpty()) {
        throw new CoverageReportException(file + ": <class name=\"" + type.getAttribute("name") + "\"> has no filename");
      }
      TreeMap<Integer, Boolean> lines = new TreeMap<>();
      for (Element block : XmlElements.children(type, "lines")) {
        for (Element line : XmlElements.children(block, "line")) {
          lines.merge(XmlElements.intAttribute(file, line, "number"), XmlElements.longAttribute(file, line, "hits") > 0,
              Boolean::logicalOr);
        }
      }
      files.merge(path, new FileCoverage(path, lines), FileCoverage::merge);
    }
    return new CoverageReport(CoverageFormat.COBERTURA, List.copyOf(files.values()));
  }
}
