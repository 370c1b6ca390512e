-- Extended Settings (Domain, Numeric ID Base, Numeric ID Quantity), what was last provisioned,
-- and the placeholder spaces Bridgekeeper created (only these are ever touched).
ALTER TABLE systems ADD COLUMN sip_domain TEXT;
ALTER TABLE systems ADD COLUMN id_base INTEGER;
ALTER TABLE systems ADD COLUMN id_quantity INTEGER;
ALTER TABLE systems ADD COLUMN provisioned_base INTEGER;
ALTER TABLE systems ADD COLUMN provisioned_quantity INTEGER;

CREATE TABLE placeholders (
    system_id   INTEGER NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    idx         INTEGER NOT NULL,
    co_space_id TEXT    NOT NULL,
    PRIMARY KEY (system_id, idx)
);
