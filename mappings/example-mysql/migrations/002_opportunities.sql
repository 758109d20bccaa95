-- Sales opportunities; customer_id holds a customer's id (cutover resolves it through the id map).
CREATE TABLE opportunities (
  id          CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT (UUID()),
  legacy_id   VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  customer_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  name        TEXT NOT NULL,
  amount      DECIMAL(18, 2),
  currency    CHAR(3),
  stage       VARCHAR(20) NOT NULL,
  probability INT,
  close_date  DATE,
  owner       TEXT,
  created_at  DATETIME(3),
  updated_at  DATETIME(3) NOT NULL,
  archived_at DATETIME(3),
  PRIMARY KEY (id),
  UNIQUE KEY opportunities_legacy_id (legacy_id),
  KEY opportunities_customer_id (customer_id),
  CONSTRAINT opportunities_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
  CONSTRAINT opportunities_stage CHECK (stage IN ('prospecting', 'qualification', 'proposal', 'negotiation', 'won', 'lost')),
  CONSTRAINT opportunities_probability CHECK (probability BETWEEN 0 AND 100)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
