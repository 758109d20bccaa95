-- The new CRM's customers (companies), on MariaDB 10.3+ or MySQL 8.0.16+ (CHECK constraints enforced).
--
-- * ids are UUIDs the database makes, as text (CHAR(36), ascii): MySQL has no UUID type.
-- * legacy_id keeps the legacy CRM's key, and cutover upserts on it: utf8mb4_bin compares it byte
--   for byte, so that two keys that differ only in case stay two customers.
-- * Instants are DATETIME(3) holding UTC: cutover writes every timestamp in UTC, to the millisecond
--   (TIMESTAMP would end in 2038; DATETIME without (3) would drop the milliseconds).
-- * Text without a limit in schemas/customer.schema.json is TEXT: a VARCHAR(255) would refuse what
--   PostgreSQL's text takes.
CREATE TABLE customers (
  id                 CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT (UUID()),
  legacy_id          VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  customer_no        VARCHAR(20),
  name               VARCHAR(150) NOT NULL,
  contact_first_name VARCHAR(50),
  contact_last_name  VARCHAR(50),
  email              TEXT,
  phone              VARCHAR(16),
  mobile             VARCHAR(16),
  country            CHAR(2),
  region             TEXT,
  city               TEXT,
  address            TEXT,
  industry           TEXT,
  status             VARCHAR(10) NOT NULL,
  annual_revenue     DECIMAL(18, 2),
  employees          INT,
  created_at         DATETIME(3),
  updated_at         DATETIME(3) NOT NULL,
  -- Merged duplicates concatenate their notes: MEDIUMTEXT (16 MB), not TEXT (64 KB).
  notes              MEDIUMTEXT,
  archived_at        DATETIME(3),
  PRIMARY KEY (id),
  UNIQUE KEY customers_legacy_id (legacy_id),
  CONSTRAINT customers_status CHECK (status IN ('active', 'inactive', 'prospect', 'lead'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
