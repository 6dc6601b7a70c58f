/* q_settings_kv: the settings table (name → value shared by every node). */
Q(SETTINGS_KV_GET, "SELECT value FROM settings WHERE name = ?", NULL)
Q(SETTINGS_KV_ADD, "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING", NULL)
