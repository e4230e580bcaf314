package dev.turboagents.persistence.graph;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.TransactionConfig;
import org.neo4j.driver.TransactionContext;

/**
 * Writes to the knowledge graph. {@link #apply} runs a list of {@link GraphWrite}s, the embeddings of
 * every text they changed, the {@code MENTIONS} found in those texts and (for the projection) the
 * stream offset in one transaction: either all of it is in the graph or none, so a restart resumes
 * exactly after the last batch that landed.
 */
public final class GraphStore {
  /** {@code #<id>} in a text, not part of a word or an HTML entity */
  private static final Pattern MENTION = Pattern.compile("(?<![\\w&#])#([A-Za-z0-9][A-Za-z0-9_-]{0,63})");
  /** MiniLM reads 256 word pieces; more text only costs time */
  private static final int MAX_EMBEDDED_CHARS = 2000;

  private final Driver driver;
  private final Embedder embedder;
  private final TransactionConfig txConfig;

  public GraphStore(Driver driver, Embedder embedder, Duration queryTimeout) {
    this.driver = driver;
    this.embedder = embedder;
    this.txConfig = TransactionConfig.builder().withTimeout(queryTimeout).build();
  }

  /**
   * The version of what the projection writes: 2 added the dated facts. A graph written by an older
   * version is projected again from the journal start ({@link #startReprojection}).
   */
  public static final int PROJECTION_VERSION = 2;

  /** Where a projection stream stands: the last offset whose event is in the graph. */
  public record StreamOffset(String stream, long value) {}

  public Embedder embedder() {
    return embedder;
  }

  public Driver driver() {
    return driver;
  }

  public void apply(List<? extends GraphWrite> writes) {
    apply(writes, List.of());
  }

  /** Applies {@code writes} and stores {@code offsets} in the same transaction. */
  public void apply(List<? extends GraphWrite> writes, List<StreamOffset> offsets) {
    try (Session session = driver.session()) {
      session.executeWriteWithoutResult(tx -> {
        Set<String> changedText = new LinkedHashSet<>();
        for (GraphWrite write : writes) {
          applyOne(tx, write, changedText);
        }
        embedAndLinkMentions(tx, changedText);
        offsets.forEach(o -> tx.run("MERGE (o:ProjectionOffset {stream: $stream}) SET o.value = $value",
            Map.of("stream", o.stream(), "value", o.value())).consume());
      }, txConfig);
    }
  }

  /** The stored offset of a projection stream, empty when it never ran (or after a rebuild). */
  public Optional<Long> offset(String stream) {
    try (Session session = driver.session()) {
      return session.executeRead(tx -> tx.run("MATCH (o:ProjectionOffset {stream: $stream}) RETURN o.value AS value",
          Map.of("stream", stream)).list().stream().findFirst().map(r -> r.get("value").asLong()), txConfig);
    }
  }

  /** Deletes every node, fact, relationship and offset (the schema stays): the start of a rebuild. */
  public void clear() {
    try (Session session = driver.session()) {
      session.run("MATCH (n) WHERE n:Entity OR n:Fact OR n:ProjectionOffset CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 2000 ROWS").consume();
      session.run("MERGE (m:GraphMeta {name: 'projection'}) SET m.version = $version", Map.of("version", PROJECTION_VERSION)).consume();
    }
  }

  /** The version of the projection that wrote this graph: 1 for a graph from before versions were kept, 0 for an empty one. */
  public int projectionVersion() {
    try (Session session = driver.session()) {
      return session.executeRead(tx -> {
        Optional<Integer> stored = tx.run("MATCH (m:GraphMeta {name: 'projection'}) RETURN m.version AS v").list().stream()
            .findFirst().map(r -> r.get("v").asInt());
        if (stored.isPresent()) {
          return stored.get();
        }
        return tx.run("MATCH (o:ProjectionOffset) RETURN count(o) AS c").single().get("c").asLong() > 0 ? 1 : 0;
      }, txConfig);
    }
  }

  /**
   * Forgets the offsets and facts and marks the graph as of {@link #PROJECTION_VERSION}: the projection
   * then reads the journal from its start, writing the nodes again (idempotent) and every fact.
   */
  public void startReprojection() {
    try (Session session = driver.session()) {
      session.run("MATCH (f:Fact) CALL (f) { DELETE f } IN TRANSACTIONS OF 5000 ROWS").consume();
      session.executeWriteWithoutResult(tx -> {
        tx.run("MATCH (o:ProjectionOffset) DELETE o").consume();
        tx.run("MERGE (m:GraphMeta {name: 'projection'}) SET m.version = $version", Map.of("version", PROJECTION_VERSION)).consume();
      }, txConfig);
    }
  }

  /**
   * Facts keep their instants as nanoseconds since the epoch, exactly as the events carry them; a
   * query instant outside 1677..2262 is clamped (nothing happened then).
   */
  static long nanos(Instant at) {
    if (at.isBefore(EARLIEST)) {
      return Long.MIN_VALUE;
    }
    if (at.isAfter(LATEST)) {
      return Long.MAX_VALUE;
    }
    return at.getEpochSecond() * 1_000_000_000L + at.getNano();
  }

  private static final Instant EARLIEST = Instant.ofEpochSecond(Long.MIN_VALUE / 1_000_000_000L + 1);
  private static final Instant LATEST = Instant.ofEpochSecond(Long.MAX_VALUE / 1_000_000_000L - 1);

  static Instant instant(long nanos) {
    return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }

  /** One dated fact: {@code attribute} of {@code subject} was {@code value} from {@code validFrom} until {@code validTo}. */
  public record Fact(EntityRef subject, String attribute, String value, Instant validFrom, Optional<Instant> validTo,
      String source, Optional<String> endedBy) {}

  /** Every fact of {@code subject}, oldest first (what the standup and tests read). */
  public List<Fact> facts(EntityRef subject) {
    try (Session session = driver.session()) {
      return session.executeRead(tx -> tx.run("""
          MATCH (f:Fact {subject: $s}) RETURN f ORDER BY f.seq, f.attribute, f.value
          """, Map.of("s", subject.key())).list().stream().map(r -> {
            var f = r.get("f");
            return new Fact(subject, f.get("attribute").asString(), f.get("value").asString(),
                GraphStore.instant(f.get("from_ns").asLong()),
                f.get("to_ns").isNull() ? Optional.<Instant>empty() : Optional.of(GraphStore.instant(f.get("to_ns").asLong())),
                f.get("source").asString(), f.get("ended_by").isNull() ? Optional.<String>empty() : Optional.of(f.get("ended_by").asString()));
          }).toList(), txConfig);
    }
  }

  public long countEntities() {
    try (Session session = driver.session()) {
      return session.run("MATCH (n:Entity) RETURN count(n) AS c").single().get("c").asLong();
    }
  }

  /** Properties of one node, empty when it does not exist (for tests and the API's 404). */
  public Optional<Map<String, Object>> entity(EntityRef ref) {
    try (Session session = driver.session()) {
      return session.executeRead(tx -> tx.run("MATCH (n:Entity {key: $key}) RETURN properties(n) AS p",
          Map.of("key", ref.key())).list().stream().findFirst().map(r -> {
            Map<String, Object> props = new HashMap<>(r.get("p").asMap());
            props.remove("embedding");
            return Map.copyOf(props);
          }), txConfig);
    }
  }

  /** A fingerprint of everything in the graph (nodes, properties, relationships), to compare two states. */
  public List<String> dump() {
    try (Session session = driver.session()) {
      List<String> lines = new ArrayList<>();
      session.run("MATCH (n:Entity) RETURN n.key AS key, labels(n) AS labels, properties(n) AS p ORDER BY key").list()
          .forEach(r -> {
            Map<String, Object> p = new java.util.TreeMap<>(r.get("p").asMap());
            if (p.containsKey("embedding")) {
              p.put("embedding", "dims=" + ((List<?>) p.get("embedding")).size());
            }
            lines.add(r.get("key").asString() + " " + new java.util.TreeSet<>(r.get("labels").asList()) + " " + p);
          });
      session.run("MATCH (a:Entity)-[r]->(b:Entity) RETURN a.key + ' -' + type(r) + '-> ' + b.key AS line ORDER BY line").list()
          .forEach(r -> lines.add(r.get("line").asString()));
      session.run("MATCH (o:ProjectionOffset) RETURN o.stream + '@' + o.value AS line ORDER BY line").list()
          .forEach(r -> lines.add(r.get("line").asString()));
      return lines;
    }
  }

  private void applyOne(TransactionContext tx, GraphWrite write, Set<String> changedText) {
    switch (write) {
      case GraphWrite.UpsertProject p -> {
        EntityRef ref = EntityRef.project(p.id());
        Map<String, Object> props = new HashMap<>();
        props.put("project", p.id());
        p.name().ifPresent(v -> props.put("title", v));
        p.description().ifPresent(v -> props.put("text", v));
        p.status().ifPresent(v -> props.put("status", v));
        merge(tx, ref, props);
        if (p.name().isPresent() || p.description().isPresent()) {
          changedText.add(ref.key());
        }
      }
      case GraphWrite.UpsertIssue i -> {
        EntityRef ref = EntityRef.issue(i.id());
        Map<String, Object> props = new HashMap<>();
        i.title().ifPresent(v -> props.put("title", v));
        i.description().ifPresent(v -> props.put("text", v));
        i.status().ifPresent(v -> props.put("status", v));
        i.priority().ifPresent(v -> props.put("priority", v));
        i.labels().ifPresent(v -> props.put("labels", v));
        i.assignee().ifPresent(v -> props.put("assignee", v));
        merge(tx, ref, props);
        i.projectId().ifPresent(projectId -> moveToProject(tx, ref, projectId));
        if (i.title().isPresent() || i.description().isPresent()) {
          changedText.add(ref.key());
        }
      }
      case GraphWrite.AddComment c -> {
        EntityRef issue = EntityRef.issue(c.issueId());
        EntityRef comment = new EntityRef(EntityType.COMMENT, c.commentId());
        // one statement: comments are half of a busy tracker's events
        tx.run("""
            MERGE (i:Entity {key: $i}) ON CREATE SET i.id = $issueId, i.type = 'issue' SET i:Issue
            MERGE (c:Entity {key: $c}) ON CREATE SET c.id = $commentId, c.type = 'comment' SET c:Comment
            SET c += $props, c.project = i.project
            MERGE (c)-[:ON]->(i)
            """, Map.of("i", issue.key(), "issueId", c.issueId(), "c", comment.key(), "commentId", c.commentId(),
            "props", Map.of("title", "Comment by " + c.author() + " on issue " + c.issueId(), "text", c.text(),
                "author", c.author()))).consume();
        changedText.add(comment.key());
      }
      case GraphWrite.RecordDecision d -> {
        EntityRef ref = new EntityRef(EntityType.DECISION, d.id());
        merge(tx, ref, Map.of("title", d.title(), "text", d.text()));
        merge(tx, d.decidedIn());
        link(tx, ref, Relation.DECIDED_IN, d.decidedIn());
        tx.run("MATCH (d:Entity {key: $d})-[:DECIDED_IN]->(x) SET d.project = x.project",
            Map.of("d", ref.key())).consume();
        changedText.add(ref.key());
      }
      case GraphWrite.RecordJob j -> {
        EntityRef ref = new EntityRef(EntityType.JOB, j.id());
        merge(tx, ref, Map.of("title", j.title(), "text", j.text(), "status", j.status()));
        changedText.add(ref.key());
      }
      case GraphWrite.UpdateJob j -> {
        EntityRef ref = new EntityRef(EntityType.JOB, j.id());
        Map<String, Object> props = new HashMap<>(Map.of("status", j.status()));
        j.text().ifPresent(t -> props.put("text", t));
        merge(tx, ref, props);
        if (j.text().isPresent()) {
          changedText.add(ref.key());
        }
      }
      case GraphWrite.RecordCommit c -> {
        EntityRef ref = new EntityRef(EntityType.COMMIT, c.sha());
        merge(tx, ref, Map.of("title", c.message().lines().findFirst().orElse(c.sha()), "text", c.message()));
        changedText.add(ref.key());
      }
      case GraphWrite.TouchFile t -> {
        EntityRef file = new EntityRef(EntityType.FILE, t.path());
        merge(tx, t.by());
        merge(tx, file, Map.of("title", t.path()));
        link(tx, t.by(), Relation.TOUCHES, file);
      }
      case GraphWrite.Link l -> {
        merge(tx, l.from());
        merge(tx, l.to());
        link(tx, l.from(), l.relation(), l.to());
      }
      case GraphWrite.Unlink u -> tx.run("MATCH (a:Entity {key: $a})-[r:" + u.relation().name() + "]->(b:Entity {key: $b}) DELETE r",
          Map.of("a", u.from().key(), "b", u.to().key())).consume();
      case GraphWrite.SetFacts f -> {
        endFacts(tx, f.subject(), f.attribute(), Optional.empty(), f.values(), f.source());
        beginFacts(tx, f.subject(), f.attribute(), f.values(), f.source());
      }
      case GraphWrite.AddFact f -> beginFacts(tx, f.subject(), f.attribute(), Set.of(f.value()), f.source());
      case GraphWrite.EndFact f -> endFacts(tx, f.subject(), f.attribute(), Optional.of(f.value()), Set.of(), f.source());
      case GraphWrite.Remove r -> tx.run("MATCH (n:Entity {key: $key}) DETACH DELETE n", Map.of("key", r.entity().key())).consume();
    }
  }

  /** Opens a fact per value, unless one with the same value is already true at the event (a replay, or a value kept); one statement. */
  private static void beginFacts(TransactionContext tx, EntityRef subject, String attribute, Set<String> values,
      GraphWrite.FactSource source) {
    if (values.isEmpty()) {
      return;
    }
    tx.run("""
        UNWIND $values AS v
        OPTIONAL MATCH (g:Fact {subject: $s, attribute: $a, value: v}) WHERE g.seq <= $seq AND (g.to_seq IS NULL OR g.to_seq > $seq)
        WITH v, count(g) AS valid WHERE valid = 0
        MERGE (f:Fact {key: $prefix + v})
        ON CREATE SET f.subject = $s, f.attribute = $a, f.value = v, f.from_ns = $at, f.seq = $seq,
                      f.source = $source, f.tag = $tag, f.offset = $offset
        """, Map.of("values", values.stream().sorted().toList(), "s", subject.key(), "a", attribute, "seq", source.sequenceNr(),
        "at", GraphStore.nanos(source.at()), "prefix", source.id() + "/" + attribute + "/", "source", source.id(),
        "tag", source.tag(), "offset", source.offset())).consume();
  }

  /** Ends the facts true before the event: the one with {@code value} when given, else every one whose value is not in {@code keep}. */
  private static void endFacts(TransactionContext tx, EntityRef subject, String attribute, Optional<String> value, Set<String> keep,
      GraphWrite.FactSource source) {
    Map<String, Object> params = new HashMap<>();
    params.put("s", subject.key());
    params.put("a", attribute);
    params.put("v", value.orElse(null));
    params.put("keep", List.copyOf(keep));
    params.put("seq", source.sequenceNr());
    params.put("at", GraphStore.nanos(source.at()));
    params.put("source", source.id());
    tx.run("""
        MATCH (f:Fact {subject: $s, attribute: $a}) WHERE f.seq < $seq AND f.to_seq IS NULL
          AND ($v IS NULL OR f.value = $v) AND NOT f.value IN $keep
        SET f.to_ns = $at, f.to_seq = $seq, f.ended_by = $source
        """, params).consume();
  }

  private static void merge(TransactionContext tx, EntityRef ref) {
    merge(tx, ref, Map.of());
  }

  /** Creates the node when missing and sets {@code props}, in one statement (one round trip). */
  private static void merge(TransactionContext tx, EntityRef ref, Map<String, Object> props) {
    // labels cannot be parameters in Cypher 5; they come from the EntityType enum, never from input
    tx.run("MERGE (n:Entity {key: $key}) ON CREATE SET n.id = $id, n.type = $type SET n:" + ref.type().label() + " SET n += $props",
        Map.of("key", ref.key(), "id", ref.id(), "type", ref.type().apiName(), "props", props)).consume();
  }

  private static void link(TransactionContext tx, EntityRef from, Relation relation, EntityRef to) {
    tx.run("MATCH (a:Entity {key: $a}), (b:Entity {key: $b}) MERGE (a)-[:" + relation.name() + "]->(b)",
        Map.of("a", from.key(), "b", to.key())).consume();
  }

  private static void moveToProject(TransactionContext tx, EntityRef ref, String projectId) {
    if (projectId.isBlank()) {
      tx.run("MATCH (n:Entity {key: $key}) OPTIONAL MATCH (n)-[r:IN_PROJECT]->() DELETE r REMOVE n.project "
          + "WITH DISTINCT n OPTIONAL MATCH (c:Comment)-[:ON]->(n) REMOVE c.project", Map.of("key", ref.key())).consume();
      return;
    }
    tx.run("""
        MATCH (n:Entity {key: $key})
        MERGE (p:Entity {key: $p}) ON CREATE SET p.id = $pid, p.type = 'project' SET p:Project
        WITH n, p
        OPTIONAL MATCH (n)-[old:IN_PROJECT]->(other) WHERE other <> p
        DELETE old
        WITH DISTINCT n, p
        MERGE (n)-[:IN_PROJECT]->(p)
        SET n.project = $pid
        WITH n
        OPTIONAL MATCH (c:Comment)-[:ON]->(n)
        SET c.project = $pid
        """, Map.of("key", ref.key(), "p", EntityRef.project(projectId).key(), "pid", projectId)).consume();
  }

  private void embedAndLinkMentions(TransactionContext tx, Set<String> keys) {
    if (keys.isEmpty()) {
      return;
    }
    List<Record> rows = tx.run("UNWIND $keys AS key MATCH (n:Entity {key: key}) RETURN n.key AS key, n.title AS title, n.text AS text",
        Map.of("keys", List.copyOf(keys))).list();
    List<String> texts = rows.stream().map(r -> embeddedText(r.get("title").asString(""), r.get("text").asString(""))).toList();
    List<float[]> vectors = embedder.embedAll(texts);
    List<Map<String, Object>> updates = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      String key = rows.get(i).get("key").asString();
      String all = rows.get(i).get("title").asString("") + "\n" + rows.get(i).get("text").asString("");
      updates.add(Map.of("key", key, "embedding", toList(vectors.get(i)), "mentions", mentions(all)));
    }
    tx.run("""
        UNWIND $updates AS u
        MATCH (n:Entity {key: u.key})
        SET n.embedding = u.embedding
        WITH n, u
        OPTIONAL MATCH (n)-[old:MENTIONS]->()
        DELETE old
        WITH DISTINCT n, u
        UNWIND u.mentions AS id
        MATCH (m:Issue {id: id}) WHERE m <> n
        MERGE (n)-[:MENTIONS]->(m)
        """, Map.of("updates", updates)).consume();
  }

  static List<String> mentions(String text) {
    Set<String> ids = new LinkedHashSet<>();
    Matcher m = MENTION.matcher(text);
    while (m.find()) {
      ids.add(m.group(1));
    }
    return List.copyOf(ids);
  }

  static String embeddedText(String title, String text) {
    String all = text.isBlank() ? title : title + "\n" + text;
    return all.length() > MAX_EMBEDDED_CHARS ? all.substring(0, MAX_EMBEDDED_CHARS) : all;
  }

  static List<Double> toList(float[] vector) {
    List<Double> list = new ArrayList<>(vector.length);
    for (float v : vector) {
      list.add((double) v);
    }
    return list;
  }

  static long countEmbedded(Session session) {
    return session.run("MATCH (n:Entity) WHERE n.embedding IS NOT NULL RETURN count(n) AS c").single().get("c").asLong();
  }
}
