-- Support tickets; an anonymous web ticket has no customer (customer_id NULL).
CREATE TABLE tickets (
  id            CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT (UUID()),
  legacy_id     VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  ticket_no     TEXT NOT NULL,
  customer_id   CHAR(36) CHARACTER SET ascii COLLATE ascii_bin,
  subject       TEXT NOT NULL,
  -- Bodies move byte for byte, however long: MEDIUMTEXT (16 MB).
  body          MEDIUMTEXT,
  status        VARCHAR(10) NOT NULL,
  priority      VARCHAR(10),
  channel       VARCHAR(20),
  contact_email TEXT,
  opened_at     DATETIME(3) NOT NULL,
  closed_at     DATETIME(3),
  updated_at    DATETIME(3) NOT NULL,
  archived_at   DATETIME(3),
  PRIMARY KEY (id),
  UNIQUE KEY tickets_legacy_id (legacy_id),
  KEY tickets_customer_id (customer_id),
  CONSTRAINT tickets_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
  CONSTRAINT tickets_status CHECK (status IN ('new', 'open', 'pending', 'resolved', 'closed')),
  CONSTRAINT tickets_priority CHECK (priority IN ('low', 'medium', 'high', 'urgent'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
