-- The rules these encoded live once, in Rust (domain::ticket::raises_automatic,
-- domain::scheduler::steps): a hidden ticket kind is never raised, one live automatic ticket of
-- a kind per system, one Meeting Failed ticket per meeting (not per system: two meetings failing
-- on one system each get theirs), one live meeting per placeholder. The store decides nothing;
-- plain indexes serve the lookups those rules make.
DROP TRIGGER IF EXISTS tickets_hidden_by_filter;
DROP INDEX IF EXISTS tickets_one_live_per_kind;
CREATE INDEX tickets_by_system_kind ON tickets (system_id, kind, state);
DROP INDEX IF EXISTS meetings_one_per_placeholder;
CREATE INDEX meetings_by_placeholder ON meetings (system_id, placeholder_idx);
-- Its predicate was a copy of the final states; queries bind Rust's lists instead.
DROP INDEX IF EXISTS meetings_live;
CREATE INDEX meetings_by_state ON meetings (state);
