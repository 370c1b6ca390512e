-- A system's tickets by state: the open-ticket count every systems list shows per system (the
-- Navigator, the booking pages' system choosers) reads this instead of scanning all open tickets.
CREATE INDEX tickets_by_system ON tickets (system_id, state);
