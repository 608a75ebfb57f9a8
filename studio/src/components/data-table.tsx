import { useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

export interface Column<T> {
  id: string;
  header: string;
  render: (row: T) => ReactNode;
  /** The server's sort key for this column; without one the column cannot be sorted. */
  sortKey?: string;
  numeric?: boolean;
}

export interface Sort {
  key: string;
  descending: boolean;
}

interface Props<T> {
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  onOpen: (row: T) => void;
  sort?: Sort | undefined;
  onSort?: (sort: Sort) => void;
  label: string;
  /** Rows that can be picked (a checkbox column; Space picks the current row). */
  selected?: ReadonlySet<string>;
  onToggle?: (row: T) => void;
}

/**
 * A table a keyboard can drive: Tab enters it at the current row, ↑/↓ (and Home/End, PgUp/PgDn)
 * move, Enter opens the row, Space picks it when rows can be picked. Headers with a sort key
 * sort on click (again: the other way).
 */
export function DataTable<T>({ columns, rows, rowKey, onOpen, sort, onSort, label, selected, onToggle }: Props<T>) {
  const [current, setCurrent] = useState(0);
  const body = useRef<HTMLTableSectionElement>(null);
  const focusRow = (index: number) => {
    const bounded = Math.max(0, Math.min(rows.length - 1, index));
    setCurrent(bounded);
    (body.current?.children[bounded] as HTMLElement | undefined)?.focus();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTableRowElement>, index: number, row: T) => {
    const moves: Record<string, number> = {
      ArrowDown: index + 1,
      ArrowUp: index - 1,
      Home: 0,
      End: rows.length - 1,
      PageDown: index + 10,
      PageUp: index - 10,
    };
    if (event.key in moves) {
      event.preventDefault();
      focusRow(moves[event.key]!);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      onOpen(row);
    } else if (event.key === ' ' && onToggle) {
      event.preventDefault();
      onToggle(row);
    }
  };
  return (
    <table className="data-table" aria-label={label}>
      <thead>
        <tr>
          {onToggle ? <th className="pick" aria-label="Pick" /> : null}
          {columns.map((column) => {
            const sorted = sort && column.sortKey === sort.key;
            const label = `${column.header}${sorted ? (sort.descending ? ' ▼' : ' ▲') : ''}`;
            return (
              <th
                key={column.id}
                className={column.numeric ? 'numeric' : undefined}
                aria-sort={sorted ? (sort.descending ? 'descending' : 'ascending') : undefined}
              >
                {column.sortKey && onSort ? (
                  <button
                    type="button"
                    className="sort"
                    onClick={() => onSort({ key: column.sortKey!, descending: sorted ? !sort.descending : true })}
                  >
                    {label}
                  </button>
                ) : (
                  label
                )}
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody ref={body}>
        {rows.map((row, index) => (
          <tr
            key={rowKey(row)}
            tabIndex={index === Math.min(current, rows.length - 1) ? 0 : -1}
            onKeyDown={(event) => onKeyDown(event, index, row)}
            onFocus={() => setCurrent(index)}
            onClick={(event) => {
              // A link inside the row handles its own click.
              if (!(event.target as HTMLElement).closest('a, button, input')) onOpen(row);
            }}
          >
            {onToggle ? (
              <td className="pick">
                <input
                  type="checkbox"
                  tabIndex={-1}
                  aria-label={`Pick ${rowKey(row)}`}
                  checked={selected?.has(rowKey(row)) ?? false}
                  onChange={() => onToggle(row)}
                />
              </td>
            ) : null}
            {columns.map((column) => (
              <td key={column.id} className={column.numeric ? 'numeric' : undefined}>
                {column.render(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
