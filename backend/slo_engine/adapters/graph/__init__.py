"""The graph store: named Cypher queries run by a FalkorDB or a Neo4j runner."""
