CREATE TABLE tickets (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  legacy_id     text NOT NULL UNIQUE,
  ticket_no     text NOT NULL,
  customer_id   uuid REFERENCES customers (id),
  subject       text NOT NULL,
  body          text,
  status        text NOT NULL CHECK (status IN ('new', 'open', 'pending', 'resolved', 'closed')),
  priority      text CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
  channel       text,
  contact_email text,
  opened_at     timestamptz NOT NULL,
  closed_at     timestamptz,
  updated_at    timestamptz NOT NULL,
  archived_at   timestamptz
);
CREATE INDEX tickets_customer_id ON tickets (customer_id);
