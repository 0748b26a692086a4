// Usage: node bench-scan.mjs FILE.parquet [RUNS]
// Times DuckDB scanning every column of FILE on one thread (SET threads=1): best and median of RUNS, for the Bifrost
// benchmark ratio (compare like with like: best with BenchmarkDotNet's Min, median with its Median).
import { DuckDBInstance } from '@duckdb/node-api';

const file = process.argv[2];
const runs = Number(process.argv[3] ?? 5);
if (!file) {
  console.error('usage: node bench-scan.mjs FILE.parquet [RUNS]');
  process.exit(2);
}
const connection = await (await DuckDBInstance.create(':memory:')).connect();
await connection.run('SET threads=1');
const path = file.replaceAll("'", "''");
// The benchmark file of ParquetDecodeBenchmarks (8 columns), or the real tick schema (TickSchemaDecodeBenchmarks,
// `bifrost-sim generate`: 12 columns, told apart by its `kind` column); every column is read either way.
const columns = (await connection.runAndReadAll(`SELECT name FROM parquet_schema('${path}')`)).getRows().map((r) => r[0]);
const queries = columns.includes('kind')
  ? {
      'all columns': `SELECT count(*), sum(bid), sum(ask), sum(last), sum(bid_size), sum(ask_size), sum(strike), sum(iv), count(symbol), count(kind), count("right"), max(expiry), max(ts) FROM read_parquet('${path}')`,
      'ts+bid+ask': `SELECT sum(ask - bid), max(ts) FROM read_parquet('${path}')`,
    }
  : {
      'all columns': `SELECT count(*), sum(bid), sum(ask), sum(last), sum(bid_size), sum(ask_size), sum(volume), count(symbol), max(ts) FROM read_parquet('${path}')`,
      'ts+bid+ask': `SELECT sum(ask - bid), max(ts) FROM read_parquet('${path}')`,
    };
const results = {};
for (const [name, sql] of Object.entries(queries)) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await connection.runAndReadAll(sql);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  results[name] = { bestMs: Number(times[0].toFixed(1)), medianMs: Number(times[times.length >> 1].toFixed(1)) };
}
console.log(JSON.stringify(results));
