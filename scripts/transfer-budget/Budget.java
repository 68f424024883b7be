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
    long records = 0;
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", "127.0.0.1:" + kafka))) {
      Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(false)).names().get();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (var d : admin.describeTopics(topics).allTopicNames().get().values())
        for (var p : d.partitions()) latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
      for (var e : admin.listOffsets(latest).all().get().entrySet()) records += e.getValue().offset();
    }
    String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metrics)).header("Authorization", "Bearer " + token).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    double committed = text.lines().filter(l -> l.startsWith("mizani_processor_event_types_total{processor=\"transfers\",type=\"TransferCommitted\"}"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    System.out.printf("%d %d %d%n", (long) committed, wal, records);
  }
}
