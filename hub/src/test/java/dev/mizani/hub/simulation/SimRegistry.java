package dev.mizani.hub.simulation;

import dev.mizani.schemas.registry.SchemaLookup;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The schema registry as the simulation needs it: ids handed out in order of registration, in memory. */
final class SimRegistry implements SchemaLookup {
    private final List<String> schemas = new ArrayList<>();
    private final Map<String, Integer> ids = new HashMap<>();

    @Override
    public synchronized int register(String subject, String avroSchema) {
        return ids.computeIfAbsent(avroSchema, s -> {
            schemas.add(s);
            return schemas.size();
        });
    }

    @Override
    public synchronized String schemaById(int id) {
        return schemas.get(id - 1);
    }
}
