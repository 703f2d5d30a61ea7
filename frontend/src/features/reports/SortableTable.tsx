import { useState, type ReactNode } from "react";

export interface Column<Row> {
  key: string;
  label: string;
  value: (row: Row) => number | string | null;
  render?: (row: Row) => ReactNode;
  numeric?: boolean;
}

/** A table whose column headers sort it (click again: the other way). */
export function SortableTable<Row>({
  rows,
  columns,
  rowKey,
  testId,
}: {
  rows: Row[];
  columns: Column<Row>[];
  rowKey: (row: Row) => string;
  testId: string;
}) {
  const [sort, setSort] = useState<{ key: string; desc: boolean } | null>(null);
  const col = columns.find((c) => c.key === sort?.key);
  const sorted = col
    ? [...rows].sort((a, b) => {
        const x = col.value(a);
        const y = col.value(b);
        if (x === y) return 0;
        if (x === null) return 1;
        if (y === null) return -1;
        const order = x < y ? -1 : 1;
        return sort?.desc ? -order : order;
      })
    : rows;
  return (
    <table className="report-table" data-testid={testId}>
      <thead>
        <tr>
          {columns.map((c) => (
            <th
              key={c.key}
              className={c.numeric ? "num" : undefined}
              aria-sort={sort?.key === c.key ? (sort.desc ? "descending" : "ascending") : "none"}
            >
              <button
                type="button"
                className="link-btn"
                onClick={() => setSort((s) => ({ key: c.key, desc: s?.key === c.key ? !s.desc : c.numeric === true }))}
              >
                {c.label}
                {sort?.key === c.key ? (sort.desc ? " ▼" : " ▲") : ""}
              </button>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {sorted.map((r) => (
          <tr key={rowKey(r)}>
            {columns.map((c) => (
              <td key={c.key} className={c.numeric ? "num" : undefined}>
                {c.render ? c.render(r) : c.value(r) ?? "–"}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
