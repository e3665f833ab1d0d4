//! Column-aligned text tables, as docker's CLI prints them.

/// Renders rows with every column but the last padded to at least 20 characters, like the
/// tabwriter settings docker compose uses for its tables.
pub fn render<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [20usize; N];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count() + 1);
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == N {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}", w = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn pads_columns_to_twenty() {
        let rows = [
            ["NAME".to_string(), "X".to_string()],
            ["A".to_string(), "".to_string()],
        ];
        assert_eq!(super::render(&rows), format!("{:<20}X\nA\n", "NAME"));
    }
}
