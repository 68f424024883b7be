-- The registry keeps its schemas in its own database beside the hub's.
create database registry;
