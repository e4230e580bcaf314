package dev.turboagents.actors.tools.review;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.w3c.dom.Document;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * XML reports read with the JDK's parsers and nothing external: a report comes from a command the
 * project runs, so a DOCTYPE is allowed (JaCoCo writes one) but no external DTD, entity or XInclude
 * is ever loaded, and secure processing limits entity expansion.
 */
final class SafeXml {
  private SafeXml() {}

  static Document parse(Path file) throws IOException, CoverageReportException {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
      factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
      factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
      factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
      factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
      factory.setXIncludeAware(false);
      factory.setExpandEntityReferences(false);
      factory.setNamespaceAware(false);
      factory.setValidating(false);
      DocumentBuilder builder = factory.newDocumentBuilder();
      // a DTD that is named is answered with nothing rather than fetched
      builder.setEntityResolver((publicId, systemId) -> new InputSource(new java.io.StringReader("")));
      builder.setErrorHandler(null);
      try (InputStream in = Files.newInputStream(file)) {
        return builder.parse(in, file.toUri().toString());
      }
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("the JDK's XML parser lacks a safety feature: " + e.getMessage(), e);
    } catch (SAXException e) {
      throw new CoverageReportException(file + " is not well-formed XML: " + e.getMessage(), e);
    }
  }

  /** The root element's name, or empty when the file is not XML at all (lcov is plain text). */
  static Optional<String> rootElement(Path file) throws IOException, CoverageReportException {
    String start;
    try (InputStream in = Files.newInputStream(file)) {
      start = new String(in.readNBytes(256), StandardCharsets.UTF_8).stripLeading();
    }
    if (!start.startsWith("<")) {
      return Optional.empty();
    }
    XMLInputFactory factory = XMLInputFactory.newFactory();
    factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    try (InputStream in = Files.newInputStream(file)) {
      XMLStreamReader reader = factory.createXMLStreamReader(in);
      try {
        while (reader.hasNext()) {
          if (reader.next() == XMLStreamReader.START_ELEMENT) {
            return Optional.of(reader.getLocalName());
          }
        }
        throw new CoverageReportException(file + " is XML without an element");
      } finally {
        reader.close();
      }
    } catch (XMLStreamException e) {
      throw new CoverageReportException(file + " is not well-formed XML: " + e.getMessage(), e);
    }
  }
}
