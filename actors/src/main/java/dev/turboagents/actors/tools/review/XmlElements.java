package dev.turboagents.actors.tools.review;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** Element lookups the report parsers share, with numbers that name the file and element when wrong. */
final class XmlElements {
  private XmlElements() {}

  static List<Element> children(Element parent, String name) {
    List<Element> found = new ArrayList<>();
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        found.add(e);
      }
    }
    return found;
  }

  static List<Element> descendants(Element parent, String name) {
    NodeList all = parent.getElementsByTagName(name);
    List<Element> found = new ArrayList<>(all.getLength());
    for (int i = 0; i < all.getLength(); i++) {
      found.add((Element) all.item(i));
    }
    return found;
  }

  static int intAttribute(Path file, Element element, String attribute) throws CoverageReportException {
    String value = element.getAttribute(attribute);
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new CoverageReportException(file + ": <" + element.getTagName() + "> has " + attribute + "=\"" + value
          + "\", not a whole number");
    }
  }

  static long longAttribute(Path file, Element element, String attribute) throws CoverageReportException {
    String value = element.getAttribute(attribute);
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw new CoverageReportException(file + ": <" + element.getTagName() + "> has " + attribute + "=\"" + value
          + "\", not a whole number");
    }
  }
}
