//! One table printer for the whole suite.

use std::fmt;

/// A table of text cells, printed with aligned columns: the first column left-aligned (it
/// names the row), the others right-aligned (they hold figures).
///
/// ```
/// let mut t = shared::Table::new(["approach", "wall"]);
/// t.row(["sequential", "10.04 s"]);
/// t.row(["async", "1.01 s"]);
/// assert_eq!(
///     t.to_string(),
///     "approach       wall\n----------  -------\nsequential  10.04 s\nasync        1.01 s\n"
/// );
/// ```
#[derive(Clone, Debug, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<I, S>(headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row. Missing cells print empty; extra cells widen the table.
    pub fn row<I, S>(&mut self, cells: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rows.push(cells.into_iter().map(Into::into).collect());
        self
    }

    fn widths(&self) -> Vec<usize> {
        let columns = self
            .rows
            .iter()
            .map(Vec::len)
            .chain([self.headers.len()])
            .max()
            .unwrap_or(0);
        (0..columns)
            .map(|c| {
                self.rows
                    .iter()
                    .chain([&self.headers])
                    .filter_map(|r| r.get(c))
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let widths = self.widths();
        let line = |f: &mut fmt::Formatter<'_>, cells: &[String]| -> fmt::Result {
            let mut out = String::new();
            for (c, w) in widths.iter().enumerate() {
                let cell = cells.get(c).map(String::as_str).unwrap_or("");
                if c > 0 {
                    out.push_str("  ");
                }
                if c == 0 {
                    out.push_str(&format!("{cell:<w$}"));
                } else {
                    out.push_str(&format!("{cell:>w$}"));
                }
            }
            writeln!(f, "{}", out.trim_end())
        };
        line(f, &self.headers)?;
        let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
        line(f, &rule)?;
        for row in &self.rows {
            line(f, row)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ragged_rows_and_wide_cells() {
        let mut t = Table::new(["a", "b"]);
        t.row(["long name", "1", "extra"]).row(["x"]);
        let s = t.to_string();
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines[0], "a          b");
        assert_eq!(lines[1], "---------  -  -----");
        assert_eq!(lines[2], "long name  1  extra");
        assert_eq!(lines[3], "x");
    }

    #[test]
    fn counts_characters_not_bytes() {
        let mut t = Table::new(["unit", "n"]);
        t.row(["µs", "1"]);
        assert_eq!(t.to_string().lines().nth(2), Some("µs    1"));
    }
}
