import java.net.URI;
import java.net.http.*;
import java.sql.*;
import java.util.*;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.common.TopicPartition;

/**
 * One reading of a running hub's per-transfer budget counters: transfers committed (from /metrics), PostgreSQL's WAL
 * position in bytes, and the Kafka records written so far (the sum of every non-internal topic's log end offsets).
 * Two readings, taken inside a load test's measured window, give WAL bytes and Kafka records per committed transfer.
 * The first line holds the three totals; the lines after it each topic's records, PostgreSQL's WAL records and
 * full-page images, each table's row writes, and (with pg_stat_statements loaded) the statements' cumulative figures.
 * Run by scripts/transfer-budget/read; see docs/benchmarks.md, "Per-transfer budget".
 */
public class Budget {
  public static void main(String[] a) throws Exception {
    String db = a[0], kafka = a[1], metrics = a[2], token = a[3];
    long wal;
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + db + "/postgres", "postgres", "");
         ResultSet rs = c.createStatement().executeQuery("select pg_current_wal_lsn() - '0/0'::pg_lsn")) {
      rs.next(); wal = rs.getLong(1);
    }
    // where the WAL comes from: full-page images, and each table's row writes (the hub's tables, every schema)
    List<String> database = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + db + "/mizani", "postgres", "")) {
      try (ResultSet rs = c.createStatement().executeQuery("select wal_records, wal_fpi, wal_bytes from pg_stat_wal")) {
        rs.next();
        database.add(String.format("  wal records %d full-page-images %d bytes %d", rs.getLong(1), rs.getLong(2), rs.getLong(3)));
      }
      try (ResultSet rs = c.createStatement().executeQuery("select schemaname || '.' || relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del"
          + " from pg_stat_user_tables where n_tup_ins + n_tup_upd + n_tup_del > 0 order by 1")) {
        while (rs.next()) database.add(String.format("  table %s inserted %d updated %d (hot %d) deleted %d",
            rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)));
      }
      // by statement, when the hub's PostgreSQL was started with MIZANI_DB_SETTINGS=shared_preload_libraries=pg_stat_statements
      boolean statements;
      try (ResultSet rs = c.createStatement().executeQuery("select current_setting('shared_preload_libraries') like '%pg_stat_statements%'")) {
        rs.next(); statements = rs.getBoolean(1);
      }
      if (statements) {
        c.createStatement().execute("create extension if not exists pg_stat_statements");
        try (ResultSet rs = c.createStatement().executeQuery("select calls, round(total_exec_time)::bigint, rows, wal_bytes,"
            + " left(regexp_replace(query, '\\s+', ' ', 'g'), 70) from pg_stat_statements where dbid = (select oid from pg_database"
            + " where datname = current_database()) and calls > 0 order by total_exec_time desc limit 15")) {
          while (rs.next()) database.add(String.format("  statement calls %d ms %d rows %d wal %d: %s",
              rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getString(5)));
        }
      }
    }
    long records = 0;
    Map<String, Long> byTopic = new TreeMap<>();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", "127.0.0.1:" + kafka))) {
      Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(false)).names().get();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (var d : admin.describeTopics(topics).allTopicNames().get().values())
        for (var p : d.partitions()) latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
      for (var e : admin.listOffsets(latest).all().get().entrySet()) {
        records += e.getValue().offset();
        byTopic.merge(e.getKey().topic(), e.getValue().offset(), Long::sum);
      }
    }
    String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metrics)).header("Authorization", "Bearer " + token).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    double committed = text.lines().filter(l -> l.startsWith("mizani_processor_event_types_total{processor=\"transfers\",type=\"TransferCommitted\"}"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    System.out.printf("%d %d %d%n", (long) committed, wal, records);
    byTopic.forEach((topic, n) -> System.out.printf("  topic %s %d%n", topic, n));
    database.forEach(System.out::println);
  }
}
