-- As on SQLite (migrations/sqlite/20261205000100_rules_live_in_rust.sql): the rules these indexes
-- encoded live once, in Rust (domain::ticket::raises_automatic, domain::scheduler::steps), decided
-- under the store's locks; plain indexes serve the lookups those rules make.
DROP INDEX IF EXISTS tickets_one_live_per_kind;
CREATE INDEX tickets_by_system_kind ON tickets (system_id, kind, state);
DROP INDEX IF EXISTS meetings_one_per_placeholder;
CREATE INDEX meetings_by_placeholder ON meetings (system_id, placeholder_idx);
-- Its predicate was a copy of the final states; queries bind Rust's lists instead.
DROP INDEX IF EXISTS meetings_live;
CREATE INDEX meetings_by_state ON meetings (state);
