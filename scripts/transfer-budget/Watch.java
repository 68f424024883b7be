import java.net.URI;
import java.net.http.*;
import java.nio.file.*;
import java.sql.*;
import java.time.LocalTime;

/**
 * Every second, until the hub stops answering: transfers committed in that second (from the hub's /metrics),
 * PostgreSQL's WAL fsyncs and the time they took (pg_stat_wal; the time needs track_wal_io_timing=on), WAL megabytes,
 * and the disk's writes, busy time and mean queue depth (/proc/diskstats). What a stall looks like from the hub and
 * from the disk, side by side. Run by scripts/transfer-budget/watch; see docs/benchmarks.md, "Per-transfer budget".
 */
public class Watch {
  public static void main(String[] a) throws Exception {
    String db = a[0], metrics = a[1], token = a[2], disk = a.length > 3 ? a[3] : "vda";
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest scrape = HttpRequest.newBuilder(URI.create(metrics)).header("Authorization", "Bearer " + token).build();
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + db + "/mizani", "postgres", "")) {
      System.out.println("time      committed/s  wal-fsyncs  fsync-ms  wal-MB  disk-writes  disk-busy-ms  disk-queue");
      double[] before = null;
      while (true) {
        double committed;
        try {
          committed = http.send(scrape, HttpResponse.BodyHandlers.ofString()).body().lines()
              .filter(l -> l.startsWith("mizani_processor_event_types_total{processor=\"transfers\",type=\"TransferCommitted\"}"))
              .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        } catch (java.io.IOException e) {
          return; // the hub has stopped
        }
        double[] now = new double[7];
        now[0] = committed;
        try (ResultSet rs = c.createStatement().executeQuery("select wal_sync, wal_sync_time, wal_bytes from pg_stat_wal")) {
          rs.next(); now[1] = rs.getDouble(1); now[2] = rs.getDouble(2); now[3] = rs.getDouble(3);
        }
        for (String line : Files.readAllLines(Path.of("/proc/diskstats"))) {
          String[] f = line.trim().split("\\s+");
          if (f[2].equals(disk)) { now[4] = Double.parseDouble(f[7]); now[5] = Double.parseDouble(f[12]); now[6] = Double.parseDouble(f[13]); }
        }
        if (before != null) {
          System.out.printf("%s %11.0f %11.0f %9.0f %7.1f %12.0f %13.0f %11.1f%n", LocalTime.now().format(java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss")),
              now[0] - before[0], now[1] - before[1], now[2] - before[2], (now[3] - before[3]) / 1e6, now[4] - before[4],
              now[5] - before[5], (now[6] - before[6]) / 1000);
        }
        before = now;
        Thread.sleep(1000);
      }
    }
  }
}
