//! Schemas in their tfplugin6 form, as `GetProviderSchema` answers them.

use crate::proto::tfplugin6 as pb;

use super::schema::{Attribute, Kind, Presence, Schema};

impl Schema {
    /// The tfplugin6 form.
    pub fn to_proto(&self) -> pb::Schema {
        pb::Schema {
            version: self.version,
            block: Some(pb::schema::Block {
                version: self.version,
                attributes: self.attributes.iter().map(Attribute::to_proto).collect(),
                block_types: Vec::new(),
                description: self.description.to_owned(),
                description_kind: pb::StringKind::Markdown as i32,
                deprecated: false,
            }),
        }
    }
}

impl Attribute {
    /// The tfplugin6 form; the description is the whole [`Attribute::documentation`].
    pub fn to_proto(&self) -> pb::schema::Attribute {
        let (ty, nested_type) = match &self.kind {
            Kind::Plain(ty) => (ty.to_json().to_string().into_bytes(), None),
            Kind::Single(attributes) => (
                Vec::new(),
                Some(nested(attributes, pb::schema::object::NestingMode::Single)),
            ),
            Kind::Map(attributes) => (
                Vec::new(),
                Some(nested(attributes, pb::schema::object::NestingMode::Map)),
            ),
            Kind::List(attributes) => (
                Vec::new(),
                Some(nested(attributes, pb::schema::object::NestingMode::List)),
            ),
        };
        pb::schema::Attribute {
            name: self.name.to_owned(),
            r#type: ty,
            nested_type,
            description: self.documentation(),
            required: self.presence == Presence::Required,
            optional: matches!(
                self.presence,
                Presence::Optional | Presence::OptionalComputed
            ),
            computed: self.is_computed(),
            sensitive: self.sensitive,
            description_kind: pb::StringKind::Markdown as i32,
            deprecated: false,
            write_only: self.write_only,
        }
    }
}

fn nested(
    attributes: &[Attribute],
    nesting: pb::schema::object::NestingMode,
) -> pb::schema::Object {
    pb::schema::Object {
        attributes: attributes.iter().map(Attribute::to_proto).collect(),
        nesting: nesting as i32,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_attributes_are_sent_as_nested_types() {
        let fields = vec![
            Attribute::string("encryption"),
            Attribute::integer("keylife"),
        ];
        let proto = Attribute::single("phase1", fields)
            .optional_computed(None)
            .to_proto();
        assert!(proto.r#type.is_empty());
        let nested = proto.nested_type.unwrap();
        assert_eq!(
            nested.nesting,
            pb::schema::object::NestingMode::Single as i32
        );
        assert_eq!(nested.attributes.len(), 2);
        assert!(proto.optional && proto.computed && !proto.required);
    }

    #[test]
    fn plain_types_are_compact_json() {
        let proto = Attribute::string_set("local_subnets").required().to_proto();
        assert_eq!(proto.r#type, br#"["set","string"]"#);
        assert!(proto.required && !proto.optional && !proto.computed);
    }
}
