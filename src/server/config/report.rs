//! The `check-env` report: one line per variable, secrets only as `set (N chars)`.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarStatus {
    Ok,
    Missing,
    Invalid,
    Default,
    Ignored,
}

impl VarStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VarStatus::Ok => "ok",
            VarStatus::Missing => "missing",
            VarStatus::Invalid => "invalid",
            VarStatus::Default => "default",
            VarStatus::Ignored => "ignored",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarLine {
    pub name: &'static str,
    pub status: VarStatus,
    pub note: String,
    /// A required variable that is missing, or any invalid value: `serve` refuses to start.
    pub is_error: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigReport {
    pub lines: Vec<VarLine>,
}

impl ConfigReport {
    pub fn push(
        &mut self,
        name: &'static str,
        status: VarStatus,
        note: impl Into<String>,
        is_error: bool,
    ) {
        self.lines.push(VarLine {
            name,
            status,
            note: note.into(),
            is_error,
        });
    }

    /// Restates a variable's line (e.g. a valid boolean that production forbids).
    pub fn set(
        &mut self,
        name: &'static str,
        status: VarStatus,
        note: impl Into<String>,
        is_error: bool,
    ) {
        match self.lines.iter_mut().find(|line| line.name == name) {
            Some(line) => {
                line.status = status;
                line.note = note.into();
                line.is_error = is_error;
            }
            None => self.push(name, status, note, is_error),
        }
    }

    pub fn has_errors(&self) -> bool {
        self.lines.iter().any(|line| line.is_error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &VarLine> {
        self.lines.iter().filter(|line| line.is_error)
    }

    pub fn line(&self, name: &str) -> Option<&VarLine> {
        self.lines.iter().find(|line| line.name == name)
    }

    /// Warnings worth logging at startup (defaults chosen for the operator, ignored values).
    pub fn warnings(&self) -> impl Iterator<Item = &VarLine> {
        self.lines
            .iter()
            .filter(|line| !line.is_error && line.note.starts_with("warning:"))
    }
}

impl fmt::Display for ConfigReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self.lines.iter().map(|l| l.name.len()).max().unwrap_or(0);
        for line in &self.lines {
            let row = format!(
                "{:width$}  {:7}  {}",
                line.name,
                line.status.as_str(),
                line.note
            );
            writeln!(f, "{}", row.trim_end())?;
        }
        Ok(())
    }
}

/// How a secret appears anywhere it is printed.
pub fn describe_secret(value: &str) -> String {
    format!("set ({} chars)", value.chars().count())
}
