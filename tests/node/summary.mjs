// Per-column facts DuckDB computes from a Parquet file, in a form the C# tests compare exactly:
// row count, null count per column and a type-appropriate sum (numbers as strings to keep hugeint/decimal exact).
export async function summarize(connection, file) {
  const path = file.replaceAll("'", "''");
  const describe = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
  const columns = describe.getRowObjectsJson().map((r) => ({ name: r.column_name, type: r.column_type }));
  const parts = ['count(*)::VARCHAR AS "__rows"'];
  for (const { name, type } of columns) {
    const q = `"${name.replaceAll('"', '""')}"`;
    parts.push(`(count(*) - count(${q}))::VARCHAR AS "${name}__nulls"`);
    const sum = sumExpression(q, type);
    if (sum) parts.push(`(${sum})::VARCHAR AS "${name}__sum"`);
    if (type === 'VARCHAR') {
      parts.push(`min(${q}) AS "${name}__min"`, `max(${q}) AS "${name}__max"`);
    }
  }
  const result = await connection.runAndReadAll(`SELECT ${parts.join(', ')} FROM read_parquet('${path}')`);
  const row = result.getRowObjectsJson()[0];
  const summary = { rows: Number(row.__rows), columns: {} };
  for (const { name, type } of columns) {
    summary.columns[name] = {
      type,
      nulls: Number(row[`${name}__nulls`]),
      sum: row[`${name}__sum`] ?? null,
      min: row[`${name}__min`] ?? null,
      max: row[`${name}__max`] ?? null,
    };
  }
  return summary;
}

// Sums in units the C# side reproduces from raw column values: timestamps as epoch nanoseconds,
// dates as days since 1970-01-01, strings as UTF-8 byte lengths, booleans as the count of true.
function sumExpression(q, type) {
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|DECIMAL)/.test(type)) return `sum(${q})`;
  if (type === 'FLOAT' || type === 'DOUBLE') return `sum(${q}::DOUBLE)`;
  if (type === 'BOOLEAN') return `sum(${q}::INTEGER)`;
  if (type === 'VARCHAR') return `sum(strlen(${q}))`;
  if (type === 'DATE') return `sum((${q} - DATE '1970-01-01')::BIGINT)`;
  if (type.startsWith('TIMESTAMP')) return `sum(epoch_ns(${q})::HUGEINT)`;
  return null;
}
