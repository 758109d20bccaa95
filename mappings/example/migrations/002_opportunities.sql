CREATE TABLE opportunities (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  legacy_id   text NOT NULL UNIQUE,
  customer_id uuid NOT NULL REFERENCES customers (id),
  name        text NOT NULL,
  amount      numeric(18, 2),
  currency    char(3),
  stage       text NOT NULL CHECK (stage IN ('prospecting', 'qualification', 'proposal', 'negotiation', 'won', 'lost')),
  probability integer CHECK (probability BETWEEN 0 AND 100),
  close_date  date,
  owner       text,
  created_at  timestamptz,
  updated_at  timestamptz NOT NULL,
  archived_at timestamptz
);
CREATE INDEX opportunities_customer_id ON opportunities (customer_id);
