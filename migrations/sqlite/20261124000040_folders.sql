-- The Navigator's folder tree. A system outside every folder sits at the top.
CREATE TABLE folders (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id INTEGER REFERENCES folders (id),
    name      TEXT    NOT NULL
);

CREATE TABLE folder_systems (
    system_id INTEGER PRIMARY KEY REFERENCES systems (id) ON DELETE CASCADE,
    folder_id INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE
);
