package bolt

// BatchStats exposes the group-commit counters to tests and benchmarks.
func (s *Store) BatchStats() (commits, events uint64) { return s.commits.Load(), s.committed.Load() }
