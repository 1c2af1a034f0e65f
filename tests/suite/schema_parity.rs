//! The three dialects' migrations build the same schema: every b24ops table has the same columns
//! on SQLite, PostgreSQL and MySQL/MariaDB, so a query written once reads the same everywhere.
//! (MySQL's `failed_ts` and `ts_hour`, virtual columns that stand in for the partial and
//! expression indexes of PostgreSQL and SQLite, are its documented extras.)

use std::collections::{BTreeMap, BTreeSet};

use crate::common::{self, Backend, backends, empty_on};

type Schema = BTreeMap<String, BTreeSet<String>>;

/// Columns that exist on one dialect by design, with the reason in the module doc.
const DIALECT_EXTRAS: &[(&str, &str)] = &[("mysql", "failed_ts"), ("mysql", "ts_hour")];

#[tokio::test(flavor = "multi_thread")]
async fn every_table_has_the_same_columns_on_every_backend() {
    let mut schemas: Vec<(String, Schema)> = Vec::new();
    for backend in backends() {
        let db = empty_on(&backend).await;
        let dialect = match &backend {
            Backend::Sqlite => "sqlite",
            Backend::Server(url) if url.starts_with("postgres") => "postgres",
            Backend::Server(_) => "mysql",
        };
        schemas.push((dialect.to_owned(), read_schema(&db, dialect).await));
    }
    let (base_name, base) = &schemas[0];
    assert!(base.len() >= 15, "SQLite has only {} b24ops tables: {:?}", base.len(), base.keys());
    for (name, schema) in &schemas[1..] {
        let tables: BTreeSet<_> = schema.keys().collect();
        let base_tables: BTreeSet<_> = base.keys().collect();
        assert_eq!(tables, base_tables, "{name} and {base_name} have different tables");
        for (table, columns) in schema {
            let columns: BTreeSet<&String> = columns
                .iter()
                .filter(|c| !DIALECT_EXTRAS.iter().any(|(d, extra)| d == name && c.as_str() == *extra))
                .collect();
            let expected: BTreeSet<&String> = base[table].iter().collect();
            assert_eq!(columns, expected, "{table}: {name} and {base_name} differ");
        }
    }
}

async fn read_schema(db: &common::TestDb, dialect: &str) -> Schema {
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let sql = match dialect {
        "sqlite" => "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name LIKE 'b24ops%'"
            .to_owned(),
        "postgres" => "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
                       WHERE table_schema = current_schema() AND table_name LIKE 'b24ops%'"
            .to_owned(),
        _ => "SELECT CAST(table_name AS CHAR) AS t, CAST(column_name AS CHAR) AS c FROM information_schema.columns \
              WHERE table_schema = DATABASE() AND table_name LIKE 'b24ops%'"
            .to_owned(),
    };
    let rows: Vec<(String, String)> = sqlx::query_as(&sql).fetch_all(&pool).await.unwrap();
    pool.close().await;
    let mut out = Schema::new();
    for (table, column) in rows {
        // PostgreSQL's daily partitions of the call log are tables too; their parent speaks for them.
        if table.starts_with("b24ops_api_calls_") && dialect == "postgres" {
            continue;
        }
        out.entry(table.to_lowercase()).or_default().insert(column.to_lowercase());
    }
    out
}
