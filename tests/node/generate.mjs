// Usage: node generate.mjs OUTDIR
// Writes Parquet files with DuckDB across codecs and format versions (v2 = data page v2 + delta and
// byte-stream-split encodings), then OUTDIR/expected.json with DuckDB's own summary of each file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { summarize } from './summary.mjs';

const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: node generate.mjs OUTDIR');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();

// 25,000 rows → three row groups at ROW_GROUP_SIZE 10000. Columns cover every physical type DuckDB writes,
// nulls at different rates, negative deltas, low-cardinality (dictionary) and unique strings, all timestamp units.
await connection.run(`
  CREATE TABLE mixed AS SELECT
    i AS id,
    CASE WHEN i % 7 = 0 THEN NULL ELSE (i * 37 % 1000 - 500)::INTEGER END AS i32,
    ((i * 1000003) % 99991 - 50000)::BIGINT * 12345 AS i64,
    CASE WHEN i % 11 = 0 THEN NULL ELSE (i / 3.0)::FLOAT END AS f32,
    CASE WHEN i % 5 = 0 THEN NULL ELSE (i / 7.0 - 1000.125)::DOUBLE END AS f64,
    CASE WHEN i % 13 = 0 THEN NULL ELSE i % 3 = 0 END AS flag,
    CASE WHEN i % 9 = 0 THEN NULL ELSE 'sym_' || (i % 17) END AS sym,
    CASE WHEN i % 10 = 0 THEN NULL ELSE 'row-' || i || '-é' || repeat('x', (i % 5)::INTEGER) END AS txt,
    DATE '2020-01-01' + (i % 2000)::INTEGER AS d,
    (TIMESTAMP '2024-01-01' + to_milliseconds(i * 1234))::TIMESTAMP_MS AS ts_ms,
    TIMESTAMP '2024-01-01' + to_microseconds(i * 1234567) AS ts_us,
    CASE WHEN i % 6 = 0 THEN NULL ELSE make_timestamp_ns(1704067200000000000 + i * 987654321) END AS ts_ns,
    (TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_microseconds(i * 1000001)) AS ts_tz,
    (i * 1.37 - 5000)::DECIMAL(9,2) AS dec9,
    (i * 123.4567 - 99999)::DECIMAL(18,4) AS dec18,
    CASE WHEN i % 4 = 0 THEN NULL ELSE (i * 98765.123456 - 1000000000)::DECIMAL(38,6) END AS dec38,
    NULL::INTEGER AS all_null
  FROM range(25000) t(i)`);

const codecs = ['uncompressed', 'snappy', 'gzip', 'zstd', 'lz4_raw', 'brotli'];
const versions = ['v1', 'v2'];
const files = [];
for (const codec of codecs) {
  for (const version of versions) {
    const name = `mixed_${codec}_${version}.parquet`;
    const path = join(outDir, name);
    await connection.run(
      `COPY mixed TO '${path}' (FORMAT parquet, COMPRESSION ${codec}, PARQUET_VERSION ${version}, ROW_GROUP_SIZE 10000)`);
    files.push({ file: name, codec, version, summary: await summarize(connection, path) });
  }
}
writeFileSync(join(outDir, 'expected.json'), JSON.stringify({ files }, null, 1));
console.log(`wrote ${files.length} files to ${outDir}`);
