-- The new CRM's customers (companies). legacy_id keeps the legacy CRM's key: cutover upserts on it.
CREATE TABLE customers (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  legacy_id      text NOT NULL UNIQUE,
  customer_no    text,
  name           text NOT NULL,
  contact_first_name text,
  contact_last_name  text,
  email          text,
  phone          text,
  mobile         text,
  country        char(2),
  region         text,
  city           text,
  address        text,
  industry       text,
  status         text NOT NULL CHECK (status IN ('active', 'inactive', 'prospect', 'lead')),
  annual_revenue numeric(18, 2),
  employees      integer,
  created_at     timestamptz,
  updated_at     timestamptz NOT NULL,
  notes          text,
  archived_at    timestamptz
);
