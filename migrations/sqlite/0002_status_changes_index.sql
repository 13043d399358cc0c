-- Publishing a status list reads the credentials of that list that are not active. Without this
-- index that meant visiting every credential of the list (131,072 rows and their pages) on each
-- publication; with it, only the changed ones (a covering, partial index).
CREATE INDEX credentials_not_active ON credentials (list_number, list_index, state)
    WHERE state <> 'active';
