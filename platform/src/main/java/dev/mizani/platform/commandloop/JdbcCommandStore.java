package dev.mizani.platform.commandloop;

import dev.mizani.platform.eventstore.ConcurrencyConflictException;
import dev.mizani.platform.eventstore.DeadLetters;
import dev.mizani.platform.eventstore.EventStore;
import dev.mizani.platform.eventstore.LoadedStream;
import dev.mizani.platform.eventstore.StoredEvent;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The command loop's store in PostgreSQL: {@link EventStore} for events and snapshots, {@code processor_offsets}
 * for offsets and publication marks, {@code dead_letters}, and a context's own {@link TransactionalIndex}, all
 * of one batch in one transaction. A session is one pooled connection.
 */
public final class JdbcCommandStore implements CommandStore {
    private final EventStore store;
    private final String processor;
    private final ProcessorOffsets offsets;
    private final TransactionalIndex<Object> index;
    private final ProcessorHooks hooks;

    @SuppressWarnings("unchecked")
    public JdbcCommandStore(EventStore store, String processor, TransactionalIndex<?> index, ProcessorHooks hooks) {
        this.store = store;
        this.processor = processor;
        this.offsets = new ProcessorOffsets(processor);
        this.index = (TransactionalIndex<Object>) index;
        this.hooks = hooks;
    }

    @Override
    public Session open() throws SQLException {
        return new JdbcSession(store.dataSource().getConnection());
    }

    private final class JdbcSession implements Session {
        private final Connection c;

        JdbcSession(Connection c) {
            this.c = c;
        }

        @Override
        public Map<String, LoadedStream> load(Collection<String> streamIds) throws SQLException {
            return store.load(c, streamIds);
        }

        @Override
        public List<StoredEvent> readStream(String streamId) throws SQLException {
            return store.readStream(streamId);
        }

        @Override
        public Map<String, List<StoredEvent>> causedBy(List<String> streamIds, List<String> commandIds,
                                                       List<Long> sourcePositions) throws SQLException {
            return store.causedBy(c, streamIds, commandIds, sourcePositions);
        }

        @Override
        public Map<TopicPartition, StoredOffset> readOffsets(Collection<TopicPartition> partitions) throws SQLException {
            return offsets.read(c, partitions);
        }

        @Override
        public List<StoredEvent> readByPositions(long[] positions) throws SQLException {
            return store.readByPositions(c, positions);
        }

        @Override
        public void advance(Map<TopicPartition, OffsetAdvance> advances) throws SQLException {
            offsets.advance(c, advances);
        }

        /** Either all of it is visible or none; a redelivered batch then finds its offsets already past. */
        @Override
        public long[] commit(BatchWrite batch) throws SQLException {
            c.setAutoCommit(false);
            try {
                long[] positions = store.append(c, batch.events());
                if (!batch.domainEvents().isEmpty()) {
                    index.apply(c, batch.domainEvents());
                }
                store.saveSnapshots(c, batch.snapshots());
                DeadLetters.record(c, processor, batch.deadLetters());
                offsets.advance(c, batch.advances(positions));
                hooks.at(ProcessorHooks.Point.INSIDE_TRANSACTION);
                c.commit();
                if (!batch.domainEvents().isEmpty()) {
                    index.committed(batch.domainEvents());
                }
                return positions;
            } catch (ConcurrencyConflictException e) {
                c.rollback();
                throw new FencedException(processor + " lost a stream to another writer: " + e.getMessage(), e);
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(e);
                throw e;
            }
        }

        /** A connection the server dropped cannot roll back; the failure that matters is the first one. */
        private void rollbackQuietly(Exception cause) {
            try {
                c.rollback();
            } catch (SQLException e) {
                cause.addSuppressed(e);
            }
        }

        @Override
        public void close() throws SQLException {
            c.close();
        }
    }
}
