-- Mirrors migrations/sqlite/0002: publishing a status list reads only the credentials of that
-- list that are not active; a partial index keeps that proportional to the changes.
CREATE INDEX credentials_not_active ON credentials (list_number, list_index, state)
    WHERE state <> 'active';
