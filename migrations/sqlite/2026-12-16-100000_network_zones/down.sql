DROP TABLE network_zones;
