package dev.turboagents.persistence.graph;

import dev.turboagents.config.GraphSettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.TransactionConfig;
import org.neo4j.driver.Value;

/**
 * Reads the knowledge graph: hybrid search (vector and full-text scores, each normalised to 0..1,
 * combined with a configured weight), traversal to related nodes, and the RAG context built from both.
 * A node that awaits its vector (none of the embedder's length: the embedding model changed and
 * {@link GraphReembedding} has not reached it yet) is scored by its full-text score alone, in vector mode too:
 * a search while the graph is re-embedded still finds what its words match; so is every node when
 * the query itself cannot be embedded (an {@code ollama:} model with Ollama away).
 */
public final class GraphSearch {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(GraphSearch.class);
  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}_]+");
  private static final int MAX_QUERY_TERMS = 64;
  private static final int SNIPPET_CHARS = 200;
  private static final String FILTERS = """
      ($types IS NULL OR node.type IN $types)
      AND ($project IS NULL OR node.project = $project)
      AND ($statuses IS NULL OR node.status IN $statuses)
      AND NOT node.key IN $exclude""";
  /** The node should have a vector of this model and has none ({@link GraphReembedding#AWAITS}, or one of another length). */
  private static String awaiting(String node) {
    return "(NOT %1$s:File AND (%1$s.title IS NOT NULL OR %1$s.text IS NOT NULL) AND (%1$s.embedding IS NULL OR size(%1$s.embedding) <> size($vector)))"
        .formatted(node);
  }

  private final Driver driver;
  private final Embedder embedder;
  private final GraphSettings settings;
  private final TransactionConfig txConfig;

  public GraphSearch(Driver driver, Embedder embedder, GraphSettings settings) {
    this.driver = driver;
    this.embedder = embedder;
    this.settings = settings;
    this.txConfig = TransactionConfig.builder().withTimeout(settings.queryTimeout()).build();
  }

  public List<SearchHit> search(SearchQuery query) {
    int candidates = Math.min(query.filtered() ? query.limit() * 20 + 200 : query.limit() * 5 + 50, 2000);
    Map<String, Object> params = filterParams(query);
    params.put("k", candidates);
    // full-text only needs no query embedding (the most expensive step of a search); a huge query is cut like a node's text
    List<Double> queryVector = query.mode() == SearchQuery.Mode.FULLTEXT ? null : queryVector(query.text());
    boolean vector = queryVector != null;
    // vector mode asks the full-text index too, for the nodes that have no vector (yet)
    boolean onlyAwaiting = vector && query.mode() == SearchQuery.Mode.VECTOR;
    params.put("vector", queryVector);
    String luceneQuery = luceneQuery(query.text());
    params.put("q", luceneQuery);
    double weight = !vector ? 0.0 : switch (query.mode()) {
      case HYBRID -> settings.hybridVectorWeight();
      case VECTOR -> 1.0;
      case FULLTEXT -> 0.0;
    };
    try (Session session = driver.session()) {
      return session.executeRead(tx -> {
        Map<String, Double> textScores = new HashMap<>();
        Set<String> keys = new LinkedHashSet<>();
        if (vector) {
          tx.run("CALL db.index.vector.queryNodes('" + GraphSchema.VECTOR_INDEX + "', $k, $vector) YIELD node, score WHERE "
              + FILTERS + " RETURN node.key AS key", params).list().forEach(r -> keys.add(r.get("key").asString()));
        }
        if (!luceneQuery.isEmpty()) {
          List<Record> rows = tx.run("CALL db.index.fulltext.queryNodes('" + GraphSchema.TEXT_INDEX + "', $q, {limit: $k}) "
              + "YIELD node, score WHERE " + FILTERS + (onlyAwaiting ? " AND " + awaiting("node") : "")
              + " RETURN node.key AS key, score", params).list();
          double best = rows.stream().mapToDouble(r -> r.get("score").asDouble()).max().orElse(1.0);
          for (Record r : rows) {
            keys.add(r.get("key").asString());
            textScores.put(r.get("key").asString(), best > 0 ? r.get("score").asDouble() / best : 0.0);
          }
        }
        if (keys.isEmpty()) {
          return List.<SearchHit>of();
        }
        // every candidate gets its exact vector score, also those only the full-text index found
        List<Record> rows = tx.run("""
            UNWIND $keys AS key MATCH (n:Entity {key: key})
            RETURN n.key AS key, n.type AS type, n.id AS id, n.title AS title, n.text AS text, n.status AS status,
                   CASE WHEN $vector IS NULL OR n.embedding IS NULL OR size(n.embedding) <> size($vector) THEN 0.0
                        ELSE vector.similarity.cosine(n.embedding, $vector) END AS similarity,
                   $vector IS NOT NULL AND %s AS awaiting
            """.formatted(awaiting("n")), candidateParams(keys, queryVector)).list();
        List<SearchHit> hits = new ArrayList<>();
        for (Record r : rows) {
          // Neo4j maps cosine c to (1 + c) / 2; turn it back and drop the negative half
          double vectorScore = Math.max(0.0, 2 * r.get("similarity").asDouble() - 1);
          double textScore = textScores.getOrDefault(r.get("key").asString(), 0.0);
          double relevance = r.get("awaiting").asBoolean() ? textScore : weight * vectorScore + (1 - weight) * textScore;
          if (relevance >= query.minRelevance() && relevance > 0) {
            hits.add(new SearchHit(ref(r), r.get("title").asString(""), relevance,
                snippet(r.get("text").asString(""), r.get("title").asString("")), r.get("status").asString(""),
                vectorScore, textScore));
          }
        }
        if (query.asOf().isPresent()) {
          hits = asOf(tx, hits, query);
        }
        hits.sort(Comparator.comparingDouble(SearchHit::relevance).reversed().thenComparing(h -> h.entity().key()));
        return List.copyOf(hits.subList(0, Math.min(query.limit(), hits.size())));
      }, txConfig);
    }
  }

  /** The query's vector; null when the embedder fails (Ollama away): the search then answers by its words alone. */
  private List<Double> queryVector(String text) {
    try {
      return GraphStore.toList(embedder.embedQuery(GraphStore.embeddedText(text, "")));
    } catch (RuntimeException e) {
      log.warn("the search query could not be embedded by {} ({}): answering by full text", embedder.modelName(), e.getMessage());
      return null;
    }
  }

  /**
   * The hits as they were at {@code query.asOf()}: an issue takes the status its facts give for then
   * and is left out when it had none (it did not exist yet); the status filter applies to that status.
   */
  private static List<SearchHit> asOf(org.neo4j.driver.TransactionContext tx, List<SearchHit> hits, SearchQuery query) {
    List<String> issues = hits.stream().filter(h -> h.entity().type() == EntityType.ISSUE).map(h -> h.entity().key()).toList();
    Map<String, String> statusThen = new HashMap<>();
    tx.run("""
        UNWIND $keys AS key
        MATCH (f:Fact {subject: key, attribute: 'status'}) WHERE f.from_ns <= $at AND (f.to_ns IS NULL OR f.to_ns > $at)
        RETURN key, f.value AS status ORDER BY f.seq
        """, Map.of("keys", issues, "at", GraphStore.nanos(query.asOf().orElseThrow())))
        .list().forEach(r -> statusThen.put(r.get("key").asString(), r.get("status").asString()));
    List<SearchHit> then = new ArrayList<>();
    for (SearchHit h : hits) {
      String status = h.entity().type() == EntityType.ISSUE ? statusThen.get(h.entity().key()) : h.status();
      if (status == null || (!query.statuses().isEmpty() && !query.statuses().contains(status))) {
        continue;
      }
      then.add(new SearchHit(h.entity(), h.title(), h.relevance(), h.snippet(), status, h.vectorScore(), h.textScore()));
    }
    return then;
  }

  /** Facts that began or ended at or after {@code since}, oldest change first, at most {@code limit}. */
  public List<FactChange> changes(Instant since, int limit) {
    try (Session session = driver.session()) {
      return session.executeRead(tx -> {
        List<FactChange> out = new ArrayList<>();
        Map<String, Object> params = Map.of("since", GraphStore.nanos(since), "limit", limit);
        tx.run("""
            CALL () {
              MATCH (f:Fact) WHERE f.from_ns >= $since
              RETURN f.from_ns AS at, 'began' AS change, f, f.source AS source
              UNION ALL
              MATCH (f:Fact) WHERE f.to_ns >= $since
              RETURN f.to_ns AS at, 'ended' AS change, f, f.ended_by AS source
            }
            RETURN at, change, f.subject AS subject, f.attribute AS attribute, f.value AS value, source
            ORDER BY at, source, change, attribute, value LIMIT $limit
            """, params).list().forEach(r -> EntityRef.parseKey(r.get("subject").asString()).ifPresent(subject ->
            out.add(new FactChange(GraphStore.instant(r.get("at").asLong()), r.get("change").asString(), subject,
                r.get("attribute").asString(), r.get("value").asString(), r.get("source").asString("")))));
        return List.copyOf(out);
      }, txConfig);
    }
  }


  /** Nodes reachable from {@code from} within {@code depth} hops (1..3), nearest first; empty when it does not exist. */
  public Optional<List<RelatedEntity>> related(EntityRef from, int depth, int limit) {
    if (depth < 1 || depth > 3) {
      throw new IllegalArgumentException("depth must be between 1 and 3, was " + depth);
    }
    if (limit < 1 || limit > 1000) {
      throw new IllegalArgumentException("limit must be between 1 and 1000, was " + limit);
    }
    try (Session session = driver.session()) {
      return session.executeRead(tx -> {
        if (tx.run("MATCH (s:Entity {key: $key}) RETURN s.key", Map.of("key", from.key())).list().isEmpty()) {
          return Optional.<List<RelatedEntity>>empty();
        }
        // a project links to all its issues: walking through it would make everything related
        List<Record> rows = tx.run("""
            MATCH (s:Entity {key: $key})
            MATCH p = (s)-[*1..%d]-(n:Entity)
            WHERE n <> s AND all(x IN nodes(p)[1..-1] WHERE NOT x:Project)
            WITH n, p ORDER BY length(p)
            WITH n, collect(p)[0] AS p
            RETURN n.key AS key, n.type AS type, n.id AS id, n.title AS title, n.text AS text, n.status AS status,
                   length(p) AS distance,
                   [i IN range(0, length(p) - 1) | CASE WHEN startNode(relationships(p)[i]) = nodes(p)[i]
                      THEN type(relationships(p)[i]) + '>' ELSE '<' + type(relationships(p)[i]) END] AS via
            ORDER BY distance, key LIMIT $limit
            """.formatted(depth), Map.of("key", from.key(), "limit", limit)).list();
        List<RelatedEntity> related = rows.stream().map(r -> new RelatedEntity(ref(r), r.get("title").asString(""),
            r.get("distance").asInt(), String.join(" ", r.get("via").asList(Value::asString)),
            snippet(r.get("text").asString(""), r.get("title").asString("")), r.get("status").asString(""))).toList();
        return Optional.of(related);
      }, txConfig);
    }
  }

  /**
   * Decisions on issue {@code issueId} and on the issues it BLOCKS, is blocked by, RELATES_TO or
   * duplicates (either way): taken in the issue itself, or in a job that WORKS_ON it. Its own issue's
   * first; empty when nothing was decided.
   */
  public List<PastDecision> pastDecisions(String issueId, int limit) {
    if (limit < 1 || limit > 1000) {
      throw new IllegalArgumentException("limit must be between 1 and 1000, was " + limit);
    }
    try (Session session = driver.session()) {
      return session.executeRead(tx -> tx.run("""
          MATCH (i:Entity {key: $key})
          OPTIONAL MATCH (i)-[r:BLOCKS|RELATES_TO|DUPLICATE_OF]-(o:Issue)
          WITH i, collect(DISTINCT {issue: o, via: CASE WHEN startNode(r) = i THEN type(r) + '>' ELSE '<' + type(r) END}) AS others
          UNWIND [{issue: i, via: 'this issue'}] + [x IN others WHERE x.issue IS NOT NULL] AS about
          WITH about.issue AS x, about.via AS via
          MATCH (d:Decision)-[:DECIDED_IN]->(t:Entity)
          WHERE t = x OR (t:Job AND (t)-[:WORKS_ON]->(x))
          OPTIONAL MATCH (d)-[:DECIDED_IN]->(j:Job)
          WITH d, x, via, j ORDER BY CASE via WHEN 'this issue' THEN 0 ELSE 1 END
          WITH d, collect({x: x, via: via, j: j})[0] AS first
          RETURN d.id AS id, d.title AS title, d.text AS text, first.x.id AS issue, first.via AS via, first.j.id AS job
          ORDER BY CASE first.via WHEN 'this issue' THEN 0 ELSE 1 END, id LIMIT $limit
          """, Map.of("key", EntityRef.issue(issueId).key(), "limit", limit)).list().stream()
          .map(r -> new PastDecision(r.get("id").asString(), r.get("title").asString(""), r.get("text").asString(""),
              r.get("issue").asString(), r.get("via").asString(),
              r.get("job").isNull() ? Optional.empty() : Optional.of(r.get("job").asString())))
          .toList(), txConfig);
    }
  }

  /**
   * The seed's RAG pipeline: the top hits for {@code task}, the neighbours of the best few, formatted
   * with their ids for citation, most relevant first, cut to stay within {@code tokenBudget}.
   */
  public GraphContext context(String task, int tokenBudget) {
    if (tokenBudget < 1) {
      throw new IllegalArgumentException("token budget must be positive, was " + tokenBudget);
    }
    List<SearchHit> hits = search(SearchQuery.of(task, 10, settings.defaultMinRelevance()));
    Set<String> seen = new LinkedHashSet<>();
    List<ContextBlock> blocks = new ArrayList<>();
    for (int i = 0; i < hits.size(); i++) {
      SearchHit hit = hits.get(i);
      if (!seen.add(hit.entity().key())) {
        continue;
      }
      StringBuilder line = new StringBuilder();
      line.append('[').append(hit.entity().key()).append("] ").append(hit.title());
      if (!hit.status().isEmpty()) {
        line.append(" (status: ").append(hit.status()).append(')');
      }
      line.append(String.format(Locale.ROOT, " relevance %.2f%n", hit.relevance()));
      StringBuilder full = new StringBuilder(line);
      List<EntityRef> refs = new ArrayList<>(List.of(hit.entity()));
      if (!hit.snippet().isEmpty() && !hit.snippet().equals(hit.title())) {
        full.append("  ").append(hit.snippet()).append('\n');
      }
      if (i < settings.contextHits() && settings.contextNeighbours() > 0) {
        for (RelatedEntity n : related(hit.entity(), 1, settings.contextNeighbours()).orElse(List.of())) {
          full.append("  related ").append(n.via()).append(" [").append(n.entity().key()).append("] ").append(n.title()).append('\n');
          refs.add(n.entity());
          seen.add(n.entity().key());
        }
      }
      blocks.add(new ContextBlock(refs, full.toString(), line.toString()));
    }
    String header = "Context from the knowledge graph; cite entries by their [type:id].\n";
    StringBuilder text = new StringBuilder();
    List<EntityRef> included = new ArrayList<>();
    boolean truncated = false;
    for (ContextBlock block : blocks) {
      String prefix = text.isEmpty() ? header : "";
      if (GraphContext.estimateTokens(text + prefix + block.full()) <= tokenBudget) {
        text.append(prefix).append(block.full());
        block.refs().stream().filter(r -> !included.contains(r)).forEach(included::add);
      } else if (GraphContext.estimateTokens(text + prefix + block.headline()) <= tokenBudget) {
        // the hit without its snippet and neighbours still tells the model where to look
        text.append(prefix).append(block.headline());
        included.add(block.refs().getFirst());
        truncated = true;
      } else {
        truncated = true;
        break;
      }
    }
    return new GraphContext(text.toString(), List.copyOf(included), GraphContext.estimateTokens(text.toString()), truncated);
  }

  private record ContextBlock(List<EntityRef> refs, String full, String headline) {}

  /** Words of the query as Lucene terms; every reserved character is dropped, so no input breaks the parser. */
  static String luceneQuery(String text) {
    Set<String> terms = new LinkedHashSet<>();
    Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
    while (m.find() && terms.size() < MAX_QUERY_TERMS) {
      terms.add(m.group());
    }
    return String.join(" ", terms);
  }

  static String snippet(String text, String title) {
    String source = text.isBlank() ? title : text.strip().replaceAll("\\s+", " ");
    if (source.length() <= SNIPPET_CHARS) {
      return source;
    }
    int cut = source.lastIndexOf(' ', SNIPPET_CHARS);
    return source.substring(0, cut > SNIPPET_CHARS / 2 ? cut : SNIPPET_CHARS) + "…";
  }

  private static EntityRef ref(Record r) {
    EntityType type = EntityType.fromApiName(r.get("type").asString())
        .orElseThrow(() -> new IllegalStateException("unknown node type " + r.get("type")));
    return new EntityRef(type, r.get("id").asString());
  }

  private static Map<String, Object> candidateParams(Set<String> keys, List<Double> queryVector) {
    Map<String, Object> params = new HashMap<>();
    params.put("keys", List.copyOf(keys));
    params.put("vector", queryVector);
    return params;
  }

  private static Map<String, Object> filterParams(SearchQuery query) {
    Map<String, Object> params = new HashMap<>();
    params.put("types", query.types().isEmpty() ? null : query.types().stream().map(EntityType::apiName).toList());
    params.put("project", query.project().orElse(null));
    // as of a time the statuses are filtered by the facts then, after the candidates are found
    params.put("statuses", query.statuses().isEmpty() || query.asOf().isPresent() ? null : List.copyOf(query.statuses()));
    params.put("exclude", List.copyOf(query.exclude()));
    return params;
  }
}
