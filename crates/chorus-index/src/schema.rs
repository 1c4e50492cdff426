//! The tantivy schema of the theme index and its analyzers.
//!
//! Text is indexed in one field per analyzer: the unit's language picks the field, so each
//! language gets its own stemmer (tantivy's Snowball stemmers), Chinese, Japanese and Korean get
//! character uni- and bigrams, and every other language is lowercased without stemming. A query
//! is parsed against all text fields, so "Arbeitszeiten" is stemmed as German where German text
//! is and never mixes with the English stems.
//!
//! Facets (hierarchical, counted by tantivy's facet collector) carry what researchers filter by;
//! stored fields carry what a hit shows (verbatim text, provenance).

use chorus_core::model::Facet as UnitFacet;
use tantivy::schema::{
    FacetOptions, Field, IndexRecordOption, Schema, SchemaBuilder, TextFieldIndexing, TextOptions,
    FAST, INDEXED, STORED, STRING,
};
use tantivy::tokenizer::{
    Language, LowerCaser, NgramTokenizer, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
};
use tantivy::Index;

/// Bumped whenever the schema changes; an index of another version is rebuilt.
pub const SCHEMA_VERSION: u32 = 2;

/// Languages with a stemmer: (ISO 639-1 code, tantivy language).
pub const STEMMED: &[(&str, Language)] = &[
    ("en", Language::English),
    ("de", Language::German),
    ("fr", Language::French),
    ("es", Language::Spanish),
    ("pt", Language::Portuguese),
    ("it", Language::Italian),
    ("nl", Language::Dutch),
    ("sv", Language::Swedish),
    ("da", Language::Danish),
    ("no", Language::Norwegian),
    ("fi", Language::Finnish),
    ("ru", Language::Russian),
    ("el", Language::Greek),
    ("hu", Language::Hungarian),
    ("ro", Language::Romanian),
    ("tr", Language::Turkish),
    ("ar", Language::Arabic),
    ("ta", Language::Tamil),
];
const CJK: &[&str] = &["zh", "ja", "ko"];

#[derive(Debug, Clone)]
pub struct Fields {
    pub schema: Schema,
    /// `unit` or `theme`.
    pub doc_kind: Field,
    /// unit id or theme id.
    pub id: Field,
    /// The event id, as a raw term, to delete an event's documents.
    pub event_id: Field,
    /// (language code or `cjk` / `plain`, field) for every text field.
    pub texts: Vec<(String, Field)>,
    /// (facet name, field).
    pub facets: Vec<(UnitFacet, Field)>,
    /// Event date as `yyyymmdd` (fast, for `--from`/`--to`).
    pub day: Field,
    pub participant_id: Field,
    pub source_id: Field,
    pub question_text: Field,
    pub line: Field,
    pub start_ms: Field,
    pub end_ms: Field,
    pub theme_label: Field,
    /// Theme documents: keywords and description (searched with `--themes`).
    pub keywords: Field,
    /// What a unit answers (its question's text), indexed to rank, never to match.
    pub context: Field,
}

impl Fields {
    pub fn build() -> Self {
        let mut b: SchemaBuilder = Schema::builder();
        let doc_kind = b.add_text_field("doc_kind", STRING | STORED);
        let id = b.add_text_field("id", STRING | STORED);
        let event_id = b.add_text_field("event_id", STRING | STORED);
        let mut texts = Vec::new();
        for (code, _) in STEMMED {
            texts.push((
                code.to_string(),
                b.add_text_field(
                    &format!("text_{code}"),
                    text_options(&format!("chorus_{code}")),
                ),
            ));
        }
        texts.push((
            "cjk".to_string(),
            b.add_text_field("text_cjk", text_options("chorus_cjk")),
        ));
        texts.push((
            "plain".to_string(),
            b.add_text_field("text_plain", text_options("chorus_plain")),
        ));
        let facets = UnitFacet::ALL
            .into_iter()
            .map(|f| {
                (
                    f,
                    b.add_facet_field(f.name(), FacetOptions::default().set_stored()),
                )
            })
            .collect();
        let day = b.add_u64_field("day", INDEXED | FAST | STORED);
        let participant_id = b.add_text_field("participant_id", STRING | STORED);
        let source_id = b.add_text_field("source_id", STRING | STORED);
        let question_text = b.add_text_field("question_text", STORED);
        let line = b.add_u64_field("line", STORED);
        let start_ms = b.add_i64_field("start_ms", STORED);
        let end_ms = b.add_i64_field("end_ms", STORED);
        let theme_label = b.add_text_field("theme_label", STORED);
        let keywords = b.add_text_field("keywords", text_options("chorus_plain"));
        let context = b.add_text_field(
            "context",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("chorus_plain")
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            ),
        );
        Self {
            schema: b.build(),
            doc_kind,
            id,
            event_id,
            texts,
            facets,
            day,
            participant_id,
            source_id,
            question_text,
            line,
            start_ms,
            end_ms,
            theme_label,
            keywords,
            context,
        }
    }

    /// The text field for a unit in language `lang`.
    pub fn text_for(&self, lang: Option<&str>) -> Field {
        let key = match lang {
            Some(l) if STEMMED.iter().any(|(c, _)| *c == l) => l,
            Some(l) if CJK.contains(&l) => "cjk",
            _ => "plain",
        };
        self.texts
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, f)| *f)
            .unwrap_or(self.texts[self.texts.len() - 1].1)
    }

    pub fn text_fields(&self) -> Vec<Field> {
        self.texts.iter().map(|(_, f)| *f).collect()
    }

    pub fn facet(&self, facet: UnitFacet) -> Field {
        self.facets
            .iter()
            .find(|(n, _)| *n == facet)
            .map(|(_, f)| *f)
            .expect("the schema has a field for every facet")
    }

    /// Resolves the fields of an opened index by name (the index owns its schema).
    pub fn of(index: &Index) -> Self {
        let fields = Self::build();
        debug_assert_eq!(fields.schema, index.schema());
        fields
    }
}

fn text_options(tokenizer: &str) -> TextOptions {
    TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored()
}

/// Registers the analyzers the schema names on `index`.
pub fn register_analyzers(index: &Index) {
    let m = index.tokenizers();
    for (code, lang) in STEMMED {
        m.register(
            &format!("chorus_{code}"),
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .filter(Stemmer::new(*lang))
                .build(),
        );
    }
    m.register(
        "chorus_plain",
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .build(),
    );
    if let Ok(ngram) = NgramTokenizer::new(1, 2, false) {
        m.register(
            "chorus_cjk",
            TextAnalyzer::builder(ngram).filter(LowerCaser).build(),
        );
    }
}
