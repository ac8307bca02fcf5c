-- The audit trail: one entry per authentication, account change and PHI read, search, create,
-- update, delete and export (failed reads included), written in the transaction of what it
-- records, and an append-only Merkle tree over the entries (RFC 9162) with signed tree heads. See
-- README "Audit trail".

-- Entries: the one table a request writes to, so recording costs one narrow insert. `content` is
-- the entry's canonical JSON, the bytes its leaf hashes; everything else is derived from it by the
-- integrator. `txid` (the writing transaction) lets the integrator find every committed entry not
-- yet in the tree without a queue: see integrate.ts.
CREATE TABLE audit_entry (
  seq bigint GENERATED ALWAYS AS IDENTITY,
  txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  content text NOT NULL,
  PRIMARY KEY (txid, seq)
);

-- Leaves, in tree order: leaf_hash = SHA-256(0x00 || uint64 leaf_index || content), and the
-- entry's search columns (for AuditEvent search), written by the integrator from the entry's
-- content. They are a projection: `caregraph audit verify` checks each against its entry, and that
-- the entry is there (no foreign key: its per-row check would lock entry rows as they are written).
-- tenant_id is null for a failed authentication, which belongs to no tenant.
CREATE TABLE audit_leaf (
  leaf_index bigint PRIMARY KEY CHECK (leaf_index >= 0),
  entry_txid xid8 NOT NULL,
  entry_seq bigint NOT NULL,
  leaf_hash bytea NOT NULL,
  entry_id uuid NOT NULL UNIQUE,
  tenant_id text,
  recorded timestamptz NOT NULL,
  action text NOT NULL,
  agent text NOT NULL,
  patient_ids text[] NOT NULL,
  UNIQUE (entry_txid, entry_seq)
);
CREATE INDEX audit_leaf_tenant_time ON audit_leaf (tenant_id, recorded);
CREATE INDEX audit_leaf_tenant_agent ON audit_leaf (tenant_id, agent, recorded);
CREATE INDEX audit_leaf_patients ON audit_leaf USING gin (patient_ids);

-- Every complete subtree above the leaves (2^level leaves from leaf node_index * 2^level), so a
-- proof reads O(log n) rows.
CREATE TABLE audit_node (
  level smallint NOT NULL CHECK (level > 0),
  node_index bigint NOT NULL,
  hash bytea NOT NULL,
  PRIMARY KEY (level, node_index)
);

-- Public keys that have signed tree heads; key_id = SHA-256 of the DER SubjectPublicKeyInfo.
CREATE TABLE audit_signing_key (
  key_id text PRIMARY KEY,
  public_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Signed tree heads. The signature (Ed25519) covers the RFC 6962 §3.5 TreeHeadSignature of
-- (timestamp_ms, tree_size, root_hash); `frontier` (the compact range) lets the integrator resume,
-- and every entry written by a transaction older than `entry_horizon` is in this tree.
CREATE TABLE audit_tree_head (
  tree_size bigint PRIMARY KEY CHECK (tree_size >= 0),
  root_hash bytea NOT NULL,
  timestamp_ms bigint NOT NULL,
  key_id text NOT NULL REFERENCES audit_signing_key (key_id),
  signature bytea NOT NULL,
  frontier bytea[] NOT NULL,
  entry_horizon xid8 NOT NULL
);

-- Append-only by construction: the server never changes or deletes these rows, and refuses to.
-- (Whoever can disable triggers can still alter them; `caregraph audit verify` finds that.)
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_leaf_append_only BEFORE UPDATE OR DELETE ON audit_leaf
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_node_append_only BEFORE UPDATE OR DELETE ON audit_node
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_tree_head_append_only BEFORE UPDATE OR DELETE ON audit_tree_head
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
