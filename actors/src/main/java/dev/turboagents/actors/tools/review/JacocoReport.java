package dev.turboagents.actors.tools.review;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * JaCoCo's XML report (report.dtd 1.1): {@code report > package[name] > sourcefile[name] > line[nr, mi, ci]}
 * (groups nest packages for multi-module reports). A line with covered instructions ({@code ci > 0})
 * is covered; one with only missed instructions is not.
 */
public final class JacocoReport {
  private JacocoReport() {}

  public static CoverageReport read(Path file) throws IOException, CoverageReportException {
    Document document = SafeXml.parse(file);
    Element root = document.getDocumentElement();
    if (!"report".equals(root.getTagName())) {
      throw new CoverageReportException(file + " is not a JaCoCo report: its root is <" + root.getTagName() + ">, not <report>");
    }
    List<FileCoverage> files = new ArrayList<>();
    for (Element pkg : XmlElements.descendants(root, "package")) {
      String directory = pkg.getAttribute("name");
      for (Element source : XmlElements.children(pkg, "sourcefile")) {
        TreeMap<Integer, Boolean> lines = new TreeMap<>();
        for (Element line : XmlElements.children(source, "line")) {
          int nr = XmlElements.intAttribute(file, line, "nr");
          lines.put(nr, XmlElements.intAttribute(file, line, "ci") > 0);
        }
        String name = source.getAttribute("name");
        files.add(new FileCoverage(directory.isEmpty() ? name : directory + "/" + name, lines));
      }
    }
    return new CoverageReport(CoverageFormat.JACOCO, files);
  }

}
