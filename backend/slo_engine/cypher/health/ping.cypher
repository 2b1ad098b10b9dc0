// Answers when the graph store can run a query.
// parameters: none
// columns: ok
RETURN 1 AS ok
