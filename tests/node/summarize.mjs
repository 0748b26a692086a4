// Usage: node summarize.mjs FILE.parquet
// Prints DuckDB's summary of a Parquet file (row count, per-column null count and sum) as JSON on stdout.
import { DuckDBInstance } from '@duckdb/node-api';
import { summarize } from './summary.mjs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node summarize.mjs FILE.parquet');
  process.exit(2);
}
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
console.log(JSON.stringify(await summarize(connection, file)));
