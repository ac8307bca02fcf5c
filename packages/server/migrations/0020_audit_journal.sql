-- How far the embedded database's entry journal (<dataDir>/audit-journal/, see the audit module's
-- entry-journal.ts) has been moved into audit_entry: one row, updated in the transaction that
-- inserts the entries, so a line is imported exactly once whatever is killed when.
CREATE TABLE audit_journal_position (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  generation bigint NOT NULL CHECK (generation >= 0),
  byte_offset bigint NOT NULL CHECK (byte_offset >= 0)
);
