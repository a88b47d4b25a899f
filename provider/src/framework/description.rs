//! The sentences of an attribute's description that come from the model rather than
//! from a person: the values it accepts (from `core`'s tables, see
//! [`super::schema::Choices`]) and its
//! default (the schema's `default`, or a [`super::Attribute::default_note`] for one that
//! `core` applies). Terraform and the generated `docs/` show the same text, so these
//! sentences read the same for every attribute.

use crate::codec::Value;

use super::schema::{Attribute, Kind, Presence};

impl Attribute {
    /// The description Terraform and the reference show: the text given to
    /// [`Attribute::describe`], then the values it accepts, then its default.
    pub fn documentation(&self) -> String {
        describe(self)
    }
}

fn describe(attribute: &Attribute) -> String {
    let mut sentences = vec![attribute.description.clone()];
    if let Some(choices) = &attribute.choices {
        sentences.push(format!(
            "Accepted values: {}.",
            listed(&choices.accepted, "or")
        ));
        if !choices.weak.is_empty() {
            let verb = if choices.weak.len() == 1 { "is" } else { "are" };
            sentences.push(format!(
                "{} {verb} accepted for old peers, with a warning.",
                listed(&choices.weak, "and")
            ));
        }
    }
    if let Some(default) = default_sentence(attribute) {
        sentences.push(default);
    }
    sentences.retain(|s| !s.is_empty());
    sentences.join(" ")
}

fn default_sentence(attribute: &Attribute) -> Option<String> {
    if let Some(note) = &attribute.default_note {
        return Some(format!("Default: {note}."));
    }
    match (&attribute.kind, &attribute.default) {
        (_, Some(default)) => Some(format!("Default: `{}`.", shown(default)?)),
        // An omitted object is planned as the object of its fields' defaults.
        (Kind::Single(fields), None) if attribute.presence == Presence::OptionalComputed => {
            let defaults: Vec<String> = fields
                .iter()
                .filter_map(|field| {
                    let value = shown(field.default.as_ref()?)?;
                    Some(format!("{} `{value}`", field.name))
                })
                .collect();
            Some(format!(
                "Omitted fields take their defaults: {}.",
                defaults.join(", ")
            ))
        }
        _ => None,
    }
}

/// A default as the reference shows it: the value as written in HCL, without quotes.
fn shown(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// `` `a`, `b` or `c` `` (with `or`), each item in code quotes.
fn listed(items: &[String], conjunction: &str) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("`{item}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => {
            format!("{} {conjunction} {last}", rest.join(", "))
        }
        _ => quoted.concat(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Choices;

    #[test]
    fn choices_and_defaults_are_sentences_after_the_text() {
        let attribute = Attribute::string("encryption")
            .optional_computed(Some(Value::String("AES256".into())))
            .choices(Choices::of(["DES", "AES128", "AES256"]).warning_for(["DES"]))
            .describe("The cipher.");
        assert_eq!(
            describe(&attribute),
            "The cipher. Accepted values: `DES`, `AES128` or `AES256`. `DES` is accepted for \
             old peers, with a warning. Default: `AES256`."
        );
    }

    #[test]
    fn an_omitted_object_lists_its_fields_defaults() {
        let attribute = Attribute::single(
            "phase2",
            vec![
                Attribute::integer("dh_group").optional_computed(Some(Value::int(14))),
                // No default of its own (planned by the resource): not listed.
                Attribute::string("authentication").optional_computed(None),
                Attribute::bool("pfs").optional_computed(Some(Value::Bool(true))),
            ],
        )
        .optional_computed(None)
        .describe("Phase 2.");
        assert_eq!(
            describe(&attribute),
            "Phase 2. Omitted fields take their defaults: dh_group `14`, pfs `true`."
        );
    }
}
