//! The language of messages staff read: findings, reports, sheets, fix-lists.
//!
//! In: the `--lang` choice. Out: labels chosen per language. Machine-readable names (check codes,
//! JSON keys) never change with the language.

use serde::{Deserialize, Serialize};

/// Chinese or English.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// 中文 (the default: staff and units read Chinese).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The language's name on the command line and in JSON (`--lang zh`): `zh`, `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The language's tag (BCP 47), as a web page's `lang` and a PDF's metadata name it:
    /// `zh-CN`, `en`. A code for machines, not wording.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn the_code_is_what_serde_and_the_command_line_read() {
        for lang in [Lang::Zh, Lang::En] {
            assert_eq!(serde_json::to_value(lang).unwrap(), lang.code());
        }
    }
}
