//! Column-aligned text tables, as docker's CLI prints them with Go's tabwriter.

/// Renders rows like `tabwriter.NewWriter(out, min_width, 1, padding, ' ', 0)`: every column
/// but the last is padded to its widest cell plus `padding` spaces, and to at least
/// `min_width`; trailing spaces are trimmed. docker's image tables use (10, 3), compose's
/// `config --variables` uses (20, 1).
pub fn render<R: AsRef<[String]>>(rows: &[R], min_width: usize, padding: usize) -> String {
    let cols = rows.iter().map(|r| r.as_ref().len()).max().unwrap_or(0);
    let mut widths = vec![min_width; cols];
    for row in rows {
        for (i, cell) in row.as_ref().iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count() + padding);
        }
    }
    let mut out = String::new();
    for row in rows {
        let row = row.as_ref();
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
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
    fn pads_columns_to_the_minimum_and_the_widest_cell() {
        let rows = [
            ["NAME".to_string(), "X".to_string()],
            ["A".to_string(), String::new()],
        ];
        assert_eq!(super::render(&rows, 20, 1), format!("{:<20}X\nA\n", "NAME"));
        let wide = [["a-rather-long-cell".to_string(), "Y".to_string()]];
        assert_eq!(super::render(&wide, 10, 3), "a-rather-long-cell   Y\n");
    }
}
