//! Functions a read-only query must not call, with the reason given to the model.
//!
//! The engines' read-only transactions stop most writes, but not these: they read or
//! write server files, open side connections that are not read-only (`dblink`), take
//! locks that outlive the query, signal other sessions, change settings, run SQL text
//! the gate never saw (`query_to_xml`, `ts_stat`), or stall the server (sleep and
//! benchmark functions). Names are matched case-insensitively on their last part, so
//! `pg_catalog.PG_SLEEP` and `` `sleep` `` are caught too. The list is the union over
//! all engines: a user function that happens to share one of these names is refused
//! as well, which the rejection message explains.

/// Why calling `name` is refused, or `None` when it is allowed.
pub fn denied_function(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase();
    let n = n.as_str();
    const EXACT: &[(&str, &str)] = &[
        // PostgreSQL sequences: advance state that a read-only transaction may not undo.
        ("nextval", "advances a sequence"),
        ("setval", "changes a sequence"),
        // PostgreSQL settings, notifications, transaction ids, snapshots.
        ("set_config", "changes a server setting"),
        ("pg_notify", "sends a notification to other sessions"),
        ("txid_current", "assigns a transaction id (a write)"),
        ("pg_current_xact_id", "assigns a transaction id (a write)"),
        ("pg_export_snapshot", "exports a snapshot to other sessions"),
        ("pg_stat_file", "reads server file metadata"),
        ("pg_reload_conf", "reloads the server configuration"),
        ("pg_rotate_logfile", "rotates server log files"),
        ("pg_promote", "promotes a standby server"),
        ("pg_checkpoint", "forces a checkpoint"),
        ("pg_switch_wal", "switches the write-ahead log"),
        ("pg_backup_start", "starts a backup"),
        ("pg_backup_stop", "stops a backup"),
        ("pg_start_backup", "starts a backup"),
        ("pg_stop_backup", "stops a backup"),
        ("pg_create_restore_point", "writes a restore point"),
        ("pg_log_backend_memory_contexts", "writes to the server log"),
        // Functions that run SQL given as text, which this gate would never see.
        ("query_to_xml", "runs SQL passed as a string"),
        ("query_to_xml_and_xmlschema", "runs SQL passed as a string"),
        ("query_to_xmlschema", "runs SQL passed as a string"),
        ("cursor_to_xml", "reads from a cursor"),
        ("cursor_to_xmlschema", "reads from a cursor"),
        ("ts_stat", "runs SQL passed as a string"),
        // MySQL/MariaDB.
        ("sleep", "stalls the server (denial of service)"),
        ("benchmark", "burns server CPU (denial of service)"),
        ("load_file", "reads a file on the database server"),
        ("get_lock", "takes a lock that outlives the query"),
        ("release_lock", "releases a named lock"),
        ("release_all_locks", "releases named locks"),
        ("master_pos_wait", "blocks waiting on replication"),
        ("source_pos_wait", "blocks waiting on replication"),
        ("master_gtid_wait", "blocks waiting on replication"),
        (
            "wait_for_executed_gtid_set",
            "blocks waiting on replication",
        ),
        (
            "wait_until_sql_thread_after_gtids",
            "blocks waiting on replication",
        ),
        ("sys_exec", "runs an operating-system command"),
        ("sys_eval", "runs an operating-system command"),
        // SQLite extensions and shell functions.
        (
            "load_extension",
            "loads native code into the database process",
        ),
        ("writefile", "writes a file"),
        ("readfile", "reads a file"),
        ("edit", "starts an editor"),
        (
            "fts3_tokenizer",
            "can register native code (a known exploit vector)",
        ),
        ("fsdir", "lists server directories"),
        ("lsdir", "lists server directories"),
    ];
    if let Some((_, why)) = EXACT.iter().find(|(f, _)| *f == n) {
        return Some(why);
    }
    const PREFIX: &[(&str, &str)] = &[
        ("pg_sleep", "stalls the server (denial of service)"),
        ("pg_read_file", "reads a file on the database server"),
        ("pg_read_binary_file", "reads a file on the database server"),
        ("pg_ls_", "lists directories on the database server"),
        ("pg_file_", "writes or renames files on the database server"),
        ("lo_", "reads or writes large objects and server files"),
        ("dblink", "opens another connection that is not read-only"),
        ("pg_advisory", "takes a lock that outlives the query"),
        ("pg_try_advisory", "takes a lock that outlives the query"),
        ("pg_terminate_backend", "ends another session"),
        ("pg_cancel_backend", "cancels another session's query"),
        ("pg_logical_", "consumes or emits replication data"),
        ("pg_replication_", "changes replication state"),
        ("pg_create_", "creates replication slots or restore points"),
        ("pg_drop_replication", "drops replication slots"),
        ("pg_copy_", "copies replication slots"),
        ("pg_stat_reset", "resets server statistics"),
        ("pg_wal_replay", "pauses or resumes replication"),
        ("pg_import_system", "writes to the system catalogs"),
    ];
    PREFIX
        .iter()
        .find(|(p, _)| n.starts_with(p))
        .map(|(_, why)| *why)
}

#[cfg(test)]
mod tests {
    use super::denied_function;

    #[test]
    fn known_side_effects_are_denied_in_any_case() {
        for f in [
            "nextval",
            "SETVAL",
            "pg_sleep",
            "pg_sleep_for",
            "PG_READ_FILE",
            "pg_ls_dir",
            "lo_import",
            "lo_export",
            "dblink_exec",
            "Sleep",
            "BENCHMARK",
            "load_file",
            "get_lock",
            "load_extension",
            "writefile",
            "pg_advisory_lock",
            "query_to_xml",
            "set_config",
        ] {
            assert!(denied_function(f).is_some(), "{f} should be denied");
        }
    }

    #[test]
    fn ordinary_functions_are_allowed() {
        for f in [
            "count",
            "sum",
            "lower",
            "coalesce",
            "now",
            "date_trunc",
            "json_agg",
            "currval",
            "lower",
            "substr",
            "sleeper",
            "lock_count",
        ] {
            assert!(denied_function(f).is_none(), "{f} should be allowed");
        }
    }
}
